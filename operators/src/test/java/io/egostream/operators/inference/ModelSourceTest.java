package io.egostream.operators.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.egostream.model.Clip;
import io.egostream.model.ShippedModel;
import io.egostream.model.SvittEgo;
import io.egostream.model.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
  private static final Clip CLIP = TestClips.decoded(TestClips.clip("a", 2, 1));

  @Test
  void anInitialisedModelTravelsAsItsConfigAndSeedAndComesBackTheSame() throws Exception {
    ModelSource shipped = InstantiationUtil.clone(ModelSource.initialized(TestModels.micro(), 7));
    try (SvittEgo direct = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu());
        SvittEgo loaded = shipped.load(Device.cpu())) {
      assertEquals(direct.config(), loaded.config());
      assertEquals("svitt-ego-micro-untrained-seed7", loaded.modelId());
      assertArrayEquals(embed(direct), embed(loaded), 0f);
    }
  }

  @Test
  void aModelFolderLoadsTheSavedWeights(@TempDir Path dir) throws Exception {
    try (SvittEgo saved = SvittEgo.initialize(TestModels.micro(), 3, Device.cpu())) {
      saved.save(dir);
      ModelSource source = InstantiationUtil.clone(ModelSource.folder(dir));
      try (SvittEgo loaded = source.load(Device.cpu())) {
        assertArrayEquals(embed(saved), embed(loaded), 0f);
      }
    }
  }

  @Test
  void theShippedModelTravelsByNameAndLoadsTrained() throws Exception {
    ModelSource source = InstantiationUtil.clone(ModelSource.shipped());
    assertTrue(source.config().trained());
    try (SvittEgo loaded = source.load(Device.cpu())) {
      assertEquals("svitt-ego-tiny:" + ShippedModel.NAME, loaded.modelId());
      assertEquals(source.config(), loaded.config());
    }
  }

  @Test
  void aMissingFolderIsAnErrorNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-model");
    IOException e = assertThrows(IOException.class, () -> ModelSource.folder(missing).load(Device.cpu()));
    assertTrue(e.getMessage().contains("no-such-model"), e.getMessage());
  }

  @Test
  void anUnknownPresetIsRefusedWhereTheJobIsBuilt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSource.preset("huge", 0));
    assertTrue(e.getMessage().startsWith("Invalid value huge for preset"), e.getMessage());
  }

  @Test
  void aNegativeThreadCountIsRefusedByItsKey() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelSource.shipped().withThreads(-1));
    assertEquals("Invalid value -1 for inference.threads: must be at least 0 (0 = one fewer than the TaskManager's "
        + "processors)", e.getMessage());
  }

  private static float[] embed(SvittEgo model) {
    return model.embedClips(List.of(CLIP)).get(0).vector();
  }
}
