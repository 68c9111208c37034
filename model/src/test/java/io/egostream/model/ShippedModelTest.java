package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShippedModelTest {

  @Test
  void theShippedModelIsATrainedTinyModelStoredAsFloat16() throws IOException {
    Path folder = ShippedModel.folder();
    assertSame(folder, ShippedModel.folder(), "extracted once per JVM");
    try (SvittEgo model = SvittEgo.load(folder, Device.cpu())) {
      assertTrue(model.config().trained());
      assertEquals("tiny", model.config().name());
      // What it was trained with, written out: not the released behaviour that base (a converted checkpoint) takes.
      assertEquals(SvittConfig.Resize.CROP, model.config().resize());
      assertEquals(SvittConfig.SpecialTokens.CLS_SEP, model.config().specialTokens());
      assertEquals(0.1f, model.config().fusionKeepRate());
      assertEquals(List.of(0), model.config().fusionPruneLayers());
      assertEquals("svitt-ego-tiny:" + ShippedModel.NAME, model.modelId());
      long params = model.stateDict().params().stream().mapToLong(p -> p.shape().size()).sum();
      assertEquals(2 * params, Files.size(folder.resolve("model.safetensors")), 64 * 1024,
          "two bytes a parameter, plus the header");
    }
  }
}
