package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
  @TempDir Path dir;

  @Test
  void saveThenLoadIsExact() throws IOException {
    Clip clip = TestModels.randomClip(2, 64, 64, 3);
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      model.save(dir);
      try (SvittEgo loaded = SvittEgo.load(dir, Device.cpu())) {
        assertEquals(model.config(), loaded.config());
        assertEquals(model.tokenizer().vocabulary(), loaded.tokenizer().vocabulary());
        var expected = model.stateDict().params().iterator();
        for (Param p : loaded.stateDict().params()) {
          Param e = expected.next();
          assertEquals(e.name(), p.name());
          assertArrayEquals(e.array().toFloatArray(), p.array().toFloatArray(), 0f, p.name());
        }
        assertArrayEquals(model.embedClips(List.of(clip)).get(0).vector(),
            loaded.embedClips(List.of(clip)).get(0).vector(), 0f);
        assertArrayEquals(model.embedTexts(List.of("c opens the door")).get(0).vector(),
            loaded.embedTexts(List.of("c opens the door")).get(0).vector(), 0f);
      }
    }
  }

  @Test
  void float16FolderHoldsHalfTheBytesAndLoadsAsTheRoundedWeights() throws IOException {
    Path full = dir.resolve("f32");
    Path half = dir.resolve("f16");
    Clip clip = TestModels.randomClip(2, 64, 64, 3);
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      model.saveTrained(full);
      model.saveTrained(half, ai.djl.ndarray.types.DataType.FLOAT16);
      long fullBytes = Files.size(full.resolve(ModelFolder.WEIGHTS));
      long halfBytes = Files.size(half.resolve(ModelFolder.WEIGHTS));
      assertTrue(halfBytes < 0.55 * fullBytes, halfBytes + " bytes as float16, " + fullBytes + " as float32");
      try (SvittEgo loaded = SvittEgo.load(half, Device.cpu())) {
        assertTrue(loaded.config().trained());
        var expected = model.stateDict().params().iterator();
        for (Param p : loaded.stateDict().params()) {
          Param e = expected.next();
          assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, p.array().getDataType(), p.name());
          float[] want = e.array().toFloatArray();
          float[] got = p.array().toFloatArray();
          for (int i = 0; i < want.length; i++) {
            // float16 keeps 11 significant bits: relative error at most 2^-11 (weights here are far from subnormal)
            assertEquals(want[i], got[i], Math.abs(want[i]) * 0x1p-11f + 1e-7f, p.name() + "[" + i + "]");
          }
        }
        float[] a = model.embedClips(List.of(clip)).get(0).vector();
        float[] b = loaded.embedClips(List.of(clip)).get(0).vector();
        assertTrue(SvittEgo.cosine(a, b) > 0.999, "clip embedding cosine " + SvittEgo.cosine(a, b));
      }
    }
  }

  @Test
  void float16RefusesValuesItCannotHold() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> tensors = Map.of("big", m.create(new float[] {1f, 70_000f}));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Safetensors.write(tensors, dir.resolve("big.safetensors"), ai.djl.ndarray.types.DataType.FLOAT16));
      assertTrue(e.getMessage().contains("big") && e.getMessage().contains("float32"), e.getMessage());
    }
  }

  /** The released code's state-dict names, written out from the spec independently of the model code. */
  static List<String> releasedKeyNames(int visionLayers, int textLayers, int fusionFrom) {
    List<String> names = new java.util.ArrayList<>(List.of(
        "vision_encoder.embeddings.cls_token",
        "vision_encoder.embeddings.patch_embeddings.projection.weight",
        "vision_encoder.embeddings.patch_embeddings.projection.bias",
        "vision_encoder.pooler.layernorm.weight", "vision_encoder.pooler.layernorm.bias",
        "vision_layernorm.weight", "vision_layernorm.bias",
        "text_encoder.bert.embeddings.word_embeddings.weight",
        "text_encoder.bert.embeddings.position_embeddings.weight",
        "text_encoder.bert.embeddings.token_type_embeddings.weight",
        "text_encoder.bert.embeddings.LayerNorm.weight", "text_encoder.bert.embeddings.LayerNorm.bias",
        "vision_proj.weight", "vision_proj.bias", "text_proj.weight", "text_proj.bias",
        "itm_head.weight", "itm_head.bias", "temp"));
    for (int i = 0; i < visionLayers; i++) {
      String l = "vision_encoder.encoder.layer." + i + ".";
      names.addAll(List.of(l + "lambda_1", l + "lambda_2",
          l + "layernorm_before.weight", l + "layernorm_before.bias",
          l + "layernorm_after.weight", l + "layernorm_after.bias",
          l + "attention.attention.query.weight", l + "attention.attention.query.bias",
          l + "attention.attention.key.weight",
          l + "attention.attention.value.weight", l + "attention.attention.value.bias",
          l + "attention.attention.relative_position_bias.relative_position_bias_table",
          l + "attention.output.dense.weight", l + "attention.output.dense.bias",
          l + "intermediate.dense.weight", l + "intermediate.dense.bias",
          l + "output.dense.weight", l + "output.dense.bias"));
    }
    for (int i = 0; i < textLayers; i++) {
      String l = "text_encoder.bert.encoder.layer." + i + ".";
      List<String> blocks = i >= fusionFrom ? List.of("attention.", "crossattention.") : List.of("attention.");
      for (String a : blocks) {
        for (String part : List.of("self.query", "self.key", "self.value", "output.dense", "output.LayerNorm")) {
          names.add(l + a + part + ".weight");
          names.add(l + a + part + ".bias");
        }
      }
      for (String part : List.of("intermediate.dense", "output.dense", "output.LayerNorm")) {
        names.add(l + part + ".weight");
        names.add(l + part + ".bias");
      }
    }
    return names;
  }

  @Test
  void theModelsParameterNamesAreTheReleasedStateDictNames() {
    try (SvittEgo tiny = SvittEgo.initialize(SvittConfig.tiny(), 1, Device.cpu())) {
      TreeSet<String> ours = new TreeSet<>();
      tiny.stateDict().params().forEach(p -> ours.add(p.name()));
      assertEquals(new TreeSet<>(releasedKeyNames(6, 6, 4)), ours);
    }
  }

  @Test
  void aStateDictWithTheReleasedKeyNamesLoads() throws IOException {
    // Tensors written under the spec's names (not the model's own), shaped as the micro config wants; the [out, in]
    // layout of a torch Linear.
    SvittConfig c = TestModels.micro();
    Map<String, Shape> shapes = new LinkedHashMap<>();
    try (SvittEgo reference = SvittEgo.initialize(c, 1, Device.cpu())) {
      reference.stateDict().params().forEach(p -> shapes.put(p.name(), p.shape()));
      reference.save(dir);
    }
    assertEquals(shapes.get("vision_proj.weight"), new Shape(c.embedDim(), c.visionWidth()));
    assertEquals(shapes.get("text_encoder.bert.encoder.layer.3.crossattention.self.key.weight"),
        new Shape(c.textWidth(), c.visionWidth()));
    Random random = new Random(3);
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (String name : releasedKeyNames(c.visionLayers(), c.textLayers(), c.textOnlyLayers())) {
        Shape shape = shapes.get(name);
        float[] data = new float[(int) shape.size()];
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) random.nextGaussian() * 0.02f;
        }
        tensors.put(name, m.create(data, shape));
      }
      Safetensors.write(tensors, dir.resolve(ModelFolder.WEIGHTS));
      try (SvittEgo loaded = SvittEgo.load(dir, Device.cpu())) {
        assertArrayEquals(tensors.get("itm_head.weight").toFloatArray(),
            TestModels.param(loaded, "itm_head.weight").array().toFloatArray(), 0f);
      }
    }
  }

  @Test
  void missingMisShapedAndNonFiniteTensorsAreNamed() throws IOException {
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      model.save(dir);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> tensors = new LinkedHashMap<>(Safetensors.read(m, dir.resolve(ModelFolder.WEIGHTS)));
      tensors.remove("text_proj.bias");
      tensors.put("itm_head.weight", m.zeros(new Shape(3, 32)));
      tensors.put("extra.weight", m.zeros(new Shape(1)));
      Safetensors.write(tensors, dir.resolve(ModelFolder.WEIGHTS));
      IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
          () -> SvittEgo.load(dir, Device.cpu()));
      String message = partial.getMessage();
      assertTrue(message.contains("missing [text_proj.bias]"), message);
      assertTrue(message.contains("itm_head.weight (file (3, 32), model (2, 32))"), message);
      assertTrue(message.contains("unexpected [extra.weight]"), message);
      try (SvittEgo loaded = SvittEgo.load(dir, Device.cpu(), true)) {
        assertEquals(16, loaded.embedClips(List.of(TestModels.randomClip(2, 64, 64, 1))).get(0).vector().length);
      }

      Map<String, NDArray> poisoned = new LinkedHashMap<>(Safetensors.read(m, dir.resolve(ModelFolder.WEIGHTS)));
      poisoned.put("text_proj.bias", m.zeros(new Shape(16)));
      poisoned.put("itm_head.weight", m.zeros(new Shape(2, 32)));
      float[] withNan = new float[32];
      withNan[5] = Float.NaN;
      poisoned.put("vision_layernorm.weight", m.create(withNan));
      Safetensors.write(poisoned, dir.resolve(ModelFolder.WEIGHTS));
      IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
          () -> SvittEgo.load(dir, Device.cpu()));
      assertTrue(nan.getMessage().contains("NaN") && nan.getMessage().contains("vision_layernorm.weight"),
          nan.getMessage());
    }
  }

  @Test
  void aFolderWithoutItsFilesSaysWhichIsMissing() throws IOException {
    NoSuchFileException none = assertThrows(NoSuchFileException.class,
        () -> SvittEgo.load(dir.resolve("nope"), Device.cpu()));
    assertTrue(none.getMessage().contains("not a model folder"), none.getMessage());
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      model.save(dir);
    }
    Files.delete(dir.resolve(ModelFolder.VOCAB));
    NoSuchFileException vocab = assertThrows(NoSuchFileException.class, () -> SvittEgo.load(dir, Device.cpu()));
    assertTrue(vocab.getMessage().contains("vocab.txt"), vocab.getMessage());
    Files.writeString(dir.resolve(ModelFolder.VOCAB), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> SvittEgo.load(dir, Device.cpu()));
    assertTrue(size.getMessage().contains("vocab_size 600"), size.getMessage());
    Files.writeString(dir.resolve(ModelFolder.CONFIG), "{\"frames\": -1}");
    IOException config = assertThrows(IOException.class, () -> SvittEgo.load(dir, Device.cpu()));
    assertTrue(config.getMessage().contains("config.json"), config.getMessage());
  }

  @Test
  void aFolderLoadsUnderAChangedConfig() throws IOException {
    Clip clip = TestModels.randomClip(4, 64, 64, 2);
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      model.save(dir);
    }
    try (SvittEgo dense = SvittEgo.load(dir, Device.cpu(), SvittConfig::dense);
        SvittEgo fourFrames = SvittEgo.load(dir, Device.cpu(), c -> c.toBuilder().frames(4).build())) {
      assertEquals(TestModels.micro().dense(), dense.config());
      assertArrayEquals(new int[] {32, 32, 32},
          dense.embedClips(List.of(TestModels.randomClip(2, 64, 64, 2))).get(0).keptTokensPerStage());
      assertEquals(4, fourFrames.config().frames());
      assertEquals(16, fourFrames.embedClips(List.of(clip)).get(0).vector().length);
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> SvittEgo.load(dir, Device.cpu(), c -> c.toBuilder().keepRate(0f).build()));
    assertTrue(bad.getMessage().contains("keep_rate"), bad.getMessage());
  }

  /** Dense training steps run through the view: it must be the same weights, live, and leave them open. */
  @Test
  void aDenseViewRunsTheSameWeightsDense() throws IOException {
    List<Clip> clip = List.of(TestModels.randomClip(2, 64, 64, 3));
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      model.save(dir);
      float[] sparse = model.embedClips(clip).get(0).vector();
      float[] viewed;
      try (SvittEgo dense = SvittEgo.load(dir, Device.cpu(), SvittConfig::dense);
          SvittEgo view = model.denseView()) {
        assertEquals(TestModels.micro().dense(), view.config());
        viewed = view.embedClips(clip).get(0).vector();
        assertArrayEquals(dense.embedClips(clip).get(0).vector(), viewed, 1e-5f);
        flipVisionProjection(model);
        float[] flipped = view.embedClips(clip).get(0).vector();
        for (int i = 0; i < viewed.length; i++) {
          assertEquals(-viewed[i], flipped[i], 1e-5f, "the view must see the model's weights as they change");
        }
      }
      flipVisionProjection(model);
      assertArrayEquals(sparse, model.embedClips(clip).get(0).vector(), 1e-5f, "closing the view closed weights");
    }
  }

  /** Negates the projection to the joint space, in place: every clip embedding changes sign. */
  private static void flipVisionProjection(SvittEgo model) {
    TestModels.param(model, "vision_proj.weight").array().muli(-1);
    TestModels.param(model, "vision_proj.bias").array().muli(-1);
  }

  @Test
  void theConfigTheConverterWritesRunsAsTheReleasedCode() throws IOException {
    // What model/tools/convert_checkpoint.py writes for an 8-frame checkpoint of the authors'.
    Files.writeString(dir.resolve(ModelFolder.CONFIG), "{\"name\": \"base\", \"trained\": true, \"frames\": 8, "
        + "\"resize\": \"squash\", \"special_tokens\": \"cls\", \"fusion_keep_rate\": 1.0}");
    SvittConfig c = ModelFolder.readConfig(dir);
    assertEquals(SvittConfig.Resize.SQUASH, c.resize());
    assertEquals(SvittConfig.SpecialTokens.CLS, c.specialTokens());
    assertEquals(1f, c.fusionKeepRate());
    assertEquals(SvittConfig.base().toBuilder().trained(true).frames(8).build(), c, "the base preset's values");
    Files.writeString(dir.resolve(ModelFolder.CONFIG), "{\"name\": \"base\", \"resize\": \"stretch\"}");
    IOException bad = assertThrows(IOException.class, () -> ModelFolder.readConfig(dir));
    assertTrue(bad.getMessage().contains("stretch") && bad.getMessage().contains("squash"), bad.getMessage());
  }

  @Test
  void aShortConfigTakesTheRestFromItsPreset() throws IOException {
    Files.writeString(dir.resolve(ModelFolder.CONFIG), "{\"name\": \"base\", \"trained\": true, \"frames\": 8}");
    SvittConfig c = ModelFolder.readConfig(dir);
    assertEquals(SvittConfig.base().toBuilder().trained(true).frames(8).build(), c);
    Files.writeString(dir.resolve(ModelFolder.CONFIG), "{\"name\": \"tiny\", \"franes\": 8}");
    IOException typo = assertThrows(IOException.class, () -> ModelFolder.readConfig(dir));
    assertTrue(typo.getMessage().contains("franes"), typo.getMessage());
  }

  @Test
  void aBiasTableForAnotherClipLengthIsResampledAlongTimeSymmetricallyAboutNoOffset() {
    // Built for 2 frames (3 time offsets), read at 4 (7): offset dt at 4 frames is dt/2 at 2.
    assertArrayEquals(new float[] {0, 0, 0.5f, 1, 1.5f, 2, 2}, resampledTimeRows(2, 4));
    // Built for 8 (15 offsets), read at 4: dt at 4 is 2·dt at 8.
    assertArrayEquals(new float[] {1, 3, 5, 7, 9, 11, 13}, resampledTimeRows(8, 4));
  }

  /**
   * Resamples a table built for {@code from} frames whose time rows hold their own index (and [CLS] rows 100, 101,
   * 102) to {@code to} frames; returns the value of each new time row, after checking shape and [CLS] rows.
   */
  private static float[] resampledTimeRows(int from, int to) {
    long spatial = 7 * 7;
    int heads = 2;
    int sourceRows = 2 * from - 1;
    try (NDManager m = NDManager.newBaseManager()) {
      float[] data = new float[(int) ((sourceRows * spatial + 3) * heads)];
      for (int row = 0; row < sourceRows * spatial + 3; row++) {
        for (int h = 0; h < heads; h++) {
          data[row * heads + h] = row < sourceRows * spatial ? row / spatial : 100 + row - sourceRows * spatial;
        }
      }
      String key = "vision_encoder.encoder.layer.0.attention.attention.relative_position_bias"
          + ".relative_position_bias_table";
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      tensors.put(key, m.create(data, new Shape(sourceRows * spatial + 3, heads)));
      ModelFolder.adaptFrames(tensors, TestModels.micro().toBuilder().frames(to).build());
      NDArray table = tensors.get(key);
      int targetRows = 2 * to - 1;
      assertEquals(new Shape(targetRows * spatial + 3, heads), table.getShape());
      float[] t = table.toFloatArray();
      assertArrayEquals(new float[] {100, 100, 101, 101, 102, 102}, Arrays.copyOfRange(t, t.length - 6, t.length));
      float[] perTime = new float[targetRows];
      for (int i = 0; i < targetRows; i++) {
        perTime[i] = t[(int) (i * spatial * heads)];
        for (int j = 1; j < spatial * heads; j++) {
          assertEquals(perTime[i], t[(int) (i * spatial * heads + j)], "a time row is resampled as a whole");
        }
      }
      return perTime;
    }
  }
}
