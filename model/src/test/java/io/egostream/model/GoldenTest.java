package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The Java model against the authors' released code: {@code src/test/resources/golden/} holds a reduced-size model in
 * the released architecture and what the released code computes on it (token ids, text and video embeddings, kept
 * tokens, fused [CLS], ITM logits; its README says how it was made). Each case loads the model folder with the case's
 * {@code java_config} overrides on top of its {@code config.json}. Floats must agree within {@link #TOLERANCE}
 * (observed: ≤ 2e-6), token ids and kept indices exactly.
 */
class GoldenTest {
  private static final float TOLERANCE = 1e-5f;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path folder;
  private static JsonNode golden;
  private static List<String> texts;
  private static List<Clip> clips;

  @BeforeAll
  static void readGoldenSet() throws IOException, URISyntaxException {
    Path root = Path.of(GoldenTest.class.getResource("/golden/golden.json").toURI()).getParent();
    folder = root.resolve("model");
    golden = JSON.readTree(root.resolve("golden.json").toFile());
    texts = List.of(JSON.readValue(root.resolve("inputs/texts.json").toFile(), String[].class));
    clips = List.of(readClip(root.resolve("inputs/clip_a.rgb")), readClip(root.resolve("inputs/clip_b.rgb")));
  }

  @Test
  void aConvertedCheckpointRunsAsTheReleasedEvaluation() throws IOException {
    // The golden folder's config.json is the converter's plus the base preset's sparsity fields written out.
    SvittConfig config = SvittEgo.readConfig(folder);
    assertEquals(SvittConfig.SpecialTokens.CLS, config.specialTokens(), "special_tokens");
    assertEquals(SvittConfig.Resize.SQUASH, config.resize(), "resize");
    // Case q1 is the released evaluation as shipped: no pruning in the fusion encoder, base's default.
    JsonNode released = golden.path("fusion").path("cases").path("q1").path("java_config");
    assertEquals(released.path("fusion_keep_rate").floatValue(), SvittConfig.base().fusionKeepRate(),
        "fusion_keep_rate of base, which a converted checkpoint takes");
  }

  @Test
  void tokenIdsAreTheReleasedTokenizers() throws IOException {
    try (SvittEgo model = load(JSON.createObjectNode())) {
      List<Executable> checks = new ArrayList<>();
      for (JsonNode item : golden.path("text").path("items")) {
        int i = item.path("index").asInt();
        TextTokenizer.Encoding e = model.tokenizer().encode(texts.get(i));
        checks.add(() -> assertArrayEquals(goldenIds(item).ids(), e.ids(),
            "token ids of text " + i + " " + JSON.writeValueAsString(texts.get(i))));
        boolean truncated = 1 + item.path("untruncated_pieces").asInt() > item.path("length").asInt();
        checks.add(() -> assertEquals(truncated, e.truncated(), "truncated, text " + i));
      }
      assertEquals(22, checks.size() / 2);
      assertAll(checks);
    }
  }

  @Test
  void textEmbeddingsMatchEndToEndAndFromTheReleasedIds() throws IOException {
    try (SvittEgo model = load(JSON.createObjectNode())) {
      List<TextEmbedding> endToEnd = model.embedTexts(texts);
      List<TextTokenizer.Encoding> released = new ArrayList<>();
      for (JsonNode item : golden.path("text").path("items")) {
        released.add(goldenIds(item));
      }
      float[][] fromIds = model.embed(released);
      List<Executable> checks = new ArrayList<>();
      for (JsonNode item : golden.path("text").path("items")) {
        int i = item.path("index").asInt();
        float[] expected = floats(item.path("embedding"));
        checks.add(() -> assertArrayEquals(expected, fromIds[i], TOLERANCE, "embedding of the released ids, text "
            + i));
        checks.add(() -> assertArrayEquals(expected, endToEnd.get(i).vector(), TOLERANCE, "embedTexts, text " + i));
      }
      assertAll(checks);
    }
  }

  @Test
  void videoEmbeddingsAndKeptTokensMatchDensePrunedAndSparse() throws IOException {
    for (String name : List.of("a_dense", "b_prune", "c_sparse")) {
      JsonNode kase = golden.path("video").path("cases").path(name);
      try (SvittEgo model = load(kase.path("java_config"))) {
        List<ClipEmbedding> embeddings = model.embedClips(clips);
        List<Executable> checks = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
          JsonNode expected = kase.path("clips").path(c == 0 ? "clip_a" : "clip_b");
          ClipEmbedding actual = embeddings.get(c);
          String what = name + ", clip " + c;
          checks.add(() -> assertArrayEquals(floats(expected.path("embedding")), actual.vector(), TOLERANCE,
              "embedding, " + what));
          int[] perStage = ints(expected.path("tokens_per_stage"));
          int[] wantPerStage = perStage.length == 1 // the released code reports one stage when nothing is pruned
              ? IntStream.generate(() -> perStage[0]).limit(actual.keptTokens().length).toArray() : perStage;
          checks.add(() -> assertArrayEquals(wantPerStage, actual.keptTokensPerStage(), "tokens per stage, " + what));
          JsonNode kept = expected.path("kept_patch_indices");
          for (int s = 1; s < actual.keptTokens().length; s++) {
            // The released code reports no indices when nothing is pruned; then every patch stays.
            int[] want = kept.isEmpty() ? IntStream.range(0, actual.keptTokens()[0].length).toArray()
                : ints(kept.get(s - 1));
            int[] got = actual.keptTokens()[s];
            int stage = s;
            checks.add(() -> assertArrayEquals(want, got, "kept patches after pruning stage " + stage + ", " + what));
          }
        }
        assertAll(checks);
      }
    }
  }

  @Test
  void theSeededBlockPatternIsTheOneTheSparseCaseWasComputedWith() {
    JsonNode kase = golden.path("video").path("cases").path("c_sparse");
    SvittConfig config = withOverrides(SvittConfig.base(), kase.path("java_config"));
    BlockSparseAttention attention = new BlockSparseAttention(config);
    int[] tokensPerStage = ints(kase.path("clips").path("clip_a").path("tokens_per_stage"));
    JsonNode layers = golden.path("video").path("block_pattern").path("layers");
    for (int layer = 0; layer < config.visionLayers(); layer++) {
      int at = layer;
      int stage = (int) config.pruneLayers().stream().filter(p -> p < at).count(); // layers before it that pruned
      int[][] expected = new int[layers.path(String.valueOf(layer)).size()][];
      for (int b = 0; b < expected.length; b++) {
        expected[b] = ints(layers.path(String.valueOf(layer)).get(b));
      }
      assertArrayEquals(expected, attention.pattern(tokensPerStage[stage], layer).blocks(), "layer " + layer);
    }
  }

  @Test
  void fusionMatchesWithAndWithoutFusionPruningAndItmRanksAsTheReleasedEvaluation() throws IOException {
    List<Integer> fusionTexts = new ArrayList<>();
    golden.path("fusion").path("texts").forEach(t -> fusionTexts.add(t.asInt()));
    List<TextTokenizer.Encoding> releasedIds = new ArrayList<>();
    for (int t : fusionTexts) {
      releasedIds.add(goldenIds(golden.path("text").path("items").get(t)));
    }
    for (String name : List.of("q1", "q01_first", "q01_second")) {
      JsonNode kase = golden.path("fusion").path("cases").path(name);
      try (SvittEgo model = load(kase.path("java_config"))) {
        List<List<ItmMatch>> matches = model.matchItm(releasedIds, clips);
        List<Executable> checks = new ArrayList<>();
        float[][] releasedScores = new float[fusionTexts.size()][2];
        for (JsonNode item : kase.path("items")) {
          int c = item.path("clip").asText().equals("clip_a") ? 0 : 1;
          int t = fusionTexts.indexOf(item.path("text_index").asInt());
          String what = name + ", text " + fusionTexts.get(t) + ", clip " + c;
          ItmMatch actual = matches.get(t).get(c);
          checks.add(() -> assertArrayEquals(floats(item.path("fused_cls")), actual.fusedCls(), TOLERANCE,
              "fused [CLS], " + what));
          checks.add(() -> assertArrayEquals(floats(item.path("itm_logits")), actual.itmLogits(), TOLERANCE,
              "ITM logits, " + what));
          checks.add(() -> assertEquals(item.path("released_score").floatValue(), actual.score(), TOLERANCE,
              "ITM score, " + what));
          int[][] kept = new int[item.path("kept_video_tokens").size()][];
          for (int s = 0; s < kept.length; s++) {
            kept[s] = ints(item.path("kept_video_tokens").get(s));
          }
          checks.add(() -> assertArrayEquals(kept, actual.keptVideoTokens(), "kept fusion tokens, " + what));
          releasedScores[t][c] = item.path("released_score").floatValue();
        }
        // End to end, from the text: answerMcq's re-ranking scores and choice are the released evaluation's.
        for (int t = 0; t < fusionTexts.size(); t++) {
          float[] released = releasedScores[t];
          String what = name + ", text " + fusionTexts.get(t);
          McqAnswer answer = model.answerMcq(texts.get(fusionTexts.get(t)), clips, true);
          checks.add(() -> assertArrayEquals(released, answer.scores(), TOLERANCE, "answerMcq ITM scores, " + what));
          checks.add(() -> assertEquals(released[1] > released[0] ? 1 : 0, answer.choice(),
              "answerMcq ITM choice, " + what));
        }
        assertAll(checks);
      }
    }
  }

  private static SvittEgo load(JsonNode overrides) throws IOException {
    return SvittEgo.load(folder, Device.cpu(), c -> withOverrides(c, overrides));
  }

  private static SvittConfig withOverrides(SvittConfig config, JsonNode overrides) {
    ObjectNode tree = JSON.valueToTree(config);
    tree.setAll((ObjectNode) overrides);
    try {
      return JSON.treeToValue(tree, SvittConfig.class).toBuilder().build();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The released tokenizer's ids of a golden item, without the padding. */
  private static TextTokenizer.Encoding goldenIds(JsonNode item) {
    int length = 0;
    for (JsonNode m : item.path("attention_mask")) {
      length += m.asInt();
    }
    long[] ids = new long[length];
    for (int i = 0; i < length; i++) {
      ids[i] = item.path("input_ids").get(i).asLong();
    }
    return new TextTokenizer.Encoding(ids, false, length);
  }

  private static Clip readClip(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int frameBytes = 224 * 224 * 3;
    assertEquals(4 * frameBytes, all.length, file + " holds 4 frames of 224x224 RGB");
    List<RgbFrame> frames = new ArrayList<>();
    for (int f = 0; f < 4; f++) {
      byte[] rgb = new byte[frameBytes];
      System.arraycopy(all, f * frameBytes, rgb, 0, frameBytes);
      frames.add(new RgbFrame(224, 224, rgb));
    }
    return new Clip(frames);
  }

  private static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).floatValue();
    }
    return out;
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
