package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SvittEgoTest {
  private static SvittEgo model;

  @BeforeAll
  static void init() {
    model = SvittEgo.initialize(TestModels.micro(), 42, Device.cpu());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void clipEmbeddingsAreUnitVectorsWithTheSpecsTokenCountsPerStage() {
    List<ClipEmbedding> out = model.embedClips(List.of(TestModels.randomClip(2, 80, 60, 1)));
    ClipEmbedding e = out.get(0);
    assertEquals(16, e.vector().length);
    assertEquals(1.0, norm(e.vector()), 1e-5);
    // 32 patches, q_v 0.7 after layers 0 and 1: 32 → 23 → 17.
    assertArrayEquals(new int[] {32, 23, 17}, e.keptTokensPerStage());
    assertEquals(TestModels.micro().tokensPerStage(), Arrays.stream(e.keptTokensPerStage()).boxed().toList());
    assertArrayEquals(IntStream.range(0, 32).toArray(), e.keptTokens()[0]);
    for (int s = 1; s < e.keptTokens().length; s++) {
      int[] kept = e.keptTokens()[s];
      for (int i = 1; i < kept.length; i++) {
        assertTrue(kept[i - 1] < kept[i], "kept tokens are in their original order");
      }
      int[] previous = e.keptTokens()[s - 1];
      for (int index : kept) {
        assertTrue(Arrays.binarySearch(previous, index) >= 0, "a stage keeps a subset of the stage before it");
      }
    }
  }

  /**
   * initializer_range is the std of every weight matrix and embedding (the truncation at 2 std makes the sample std
   * 0.88 of it); norms, biases and layer scales keep their constants.
   */
  @Test
  void initializerRangeSetsTheScaleOfWeightsOnly() {
    for (float range : new float[] {0.02f, 0.08f}) {
      try (SvittEgo m = SvittEgo.initialize(TestModels.micro().toBuilder().initializerRange(range).build(), 3,
          Device.cpu())) {
        for (Param p : m.stateDict().params()) {
          float[] v = p.array().toFloatArray();
          double mean = 0;
          for (float x : v) {
            mean += x / v.length;
          }
          double var = 0;
          for (float x : v) {
            var += (x - mean) * (x - mean) / v.length;
          }
          boolean weight = p.name().endsWith("weight") && p.shape().dimension() >= 2 || p.name().endsWith("cls_token");
          if (weight && v.length >= 1000) {
            assertEquals(0.88 * range, Math.sqrt(var), 0.1 * range, p.name());
          } else if (!weight && !p.name().endsWith("cls_token")) {
            assertEquals(0, var, 1e-12, p.name() + " should be constant");
          }
        }
      }
    }
  }

  @Test
  void keepRateOnePrunesNothing() {
    try (SvittEgo unpruned = SvittEgo.initialize(TestModels.micro().toBuilder().keepRate(1f).build(), 42,
        Device.cpu())) {
      ClipEmbedding e = unpruned.embedClips(List.of(TestModels.randomClip(2, 64, 64, 1))).get(0);
      assertArrayEquals(new int[] {32, 32, 32}, e.keptTokensPerStage());
      for (int[] stage : e.keptTokens()) {
        assertArrayEquals(IntStream.range(0, 32).toArray(), stage);
      }
    }
  }

  @Test
  void aPerCallKeepRateGivesWhatAModelWhoseConfigHasItGives() {
    List<Clip> clips = List.of(TestModels.randomClip(2, 64, 64, 1), TestModels.randomClip(2, 80, 60, 2));
    assertEmbeddingsEqual(model.embedClips(clips), model.embedClips(clips, model.config().keepRate()));
    for (float q : new float[] {1f, 0.5f, 0.3f}) {
      try (SvittEgo configured = model.withClipShape(model.config().frames(), q)) {
        assertEquals(q, configured.config().keepRate());
        List<ClipEmbedding> perCall = model.embedClips(clips, q);
        assertEmbeddingsEqual(configured.embedClips(clips), perCall);
        assertEquals(configured.config().tokensPerStage(),
            Arrays.stream(perCall.get(0).keptTokensPerStage()).boxed().toList(), "q_v " + q);
      }
    }
    assertFalse(Arrays.equals(model.embedClips(clips, 0.3f).get(0).vector(), model.embedClips(clips).get(0).vector()),
        "another keep rate, another embedding");
    for (float bad : new float[] {0f, -0.1f, 1.5f, Float.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.embedClips(clips, bad));
      assertTrue(e.getMessage().startsWith("Invalid keep rate " + bad + ": must be in (0, 1]"), e.getMessage());
    }
  }

  @Test
  void aBatchGivesTheSameEmbeddingsAsClipsOneByOne() {
    List<Clip> clips = List.of(TestModels.randomClip(2, 64, 64, 1), TestModels.randomClip(2, 100, 70, 2),
        TestModels.randomClip(2, 64, 90, 3));
    List<ClipEmbedding> batch = model.embedClips(clips);
    for (int i = 0; i < clips.size(); i++) {
      ClipEmbedding single = model.embedClips(List.of(clips.get(i))).get(0);
      assertArrayEquals(single.vector(), batch.get(i).vector(), 1e-5f);
      assertTrue(Arrays.deepEquals(single.keptTokens(), batch.get(i).keptTokens()));
    }
    List<TextEmbedding> texts = model.embedTexts(List.of("c picks up the cup", "a", "c opens the red drawer"));
    TextEmbedding alone = model.embedTexts(List.of("a")).get(0);
    assertArrayEquals(alone.vector(), texts.get(1).vector(), 1e-5f, "padding must not change a text's embedding");
  }

  @Test
  void theSameSeedGivesTheSameModelAndTheSameClipTheSameEmbedding() {
    Clip clip = TestModels.randomClip(2, 64, 64, 5);
    try (SvittEgo again = SvittEgo.initialize(TestModels.micro(), 42, Device.cpu());
        SvittEgo other = SvittEgo.initialize(TestModels.micro(), 43, Device.cpu())) {
      float[] first = model.embedClips(List.of(clip)).get(0).vector();
      assertArrayEquals(first, model.embedClips(List.of(clip)).get(0).vector(), 0f);
      assertArrayEquals(first, again.embedClips(List.of(clip)).get(0).vector(), 0f);
      assertFalse(Arrays.equals(first, other.embedClips(List.of(clip)).get(0).vector()));
    }
  }

  @Test
  void mcqPicksTheChoiceWithTheHighestCosineOrRawItmLogit() {
    List<Clip> choices = IntStream.range(0, 5).mapToObj(i -> TestModels.randomClip(2, 64, 64, 10 + i)).toList();
    String narration = "#C C picks up the red cup";
    McqAnswer answer = model.answerMcq(narration, choices, false);
    float[] text = model.embedTexts(List.of(narration)).get(0).vector();
    List<ClipEmbedding> clips = model.embedClips(choices);
    for (int i = 0; i < 5; i++) {
      assertEquals(SvittEgo.cosine(text, clips.get(i).vector()), answer.scores()[i], 1e-5f);
      assertTrue(answer.scores()[answer.choice()] >= answer.scores()[i]);
    }
    McqAnswer reranked = model.answerMcq(narration, choices, true);
    assertTrue(reranked.reranked());
    List<ItmMatch> matches = model.matchItm(narration, choices);
    for (int i = 0; i < 5; i++) {
      assertEquals(matches.get(i).itmLogits()[1], reranked.scores()[i], 1e-5f, "ranked by the raw match logit");
      assertTrue(reranked.scores()[reranked.choice()] >= reranked.scores()[i]);
    }
    List<ScoredText> labels = model.zeroShot(choices.get(0), List.of("open drawer", "pick up cup", "pour water"));
    assertEquals(3, labels.size());
    assertTrue(labels.get(0).score() >= labels.get(1).score() && labels.get(1).score() >= labels.get(2).score());
  }

  @Test
  void badInputsSayWhatIsWrong() {
    IllegalArgumentException frames = assertThrows(IllegalArgumentException.class,
        () -> model.embedClips(List.of(TestModels.randomClip(3, 64, 64, 1))));
    assertTrue(frames.getMessage().contains("3 frames") && frames.getMessage().contains("takes 2"),
        frames.getMessage());
    IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
        () -> new RgbFrame(4, 4, new byte[4 * 4 * 4]));
    assertTrue(channels.getMessage().contains("4 bytes a pixel"), channels.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RgbFrame(0, 4, new byte[0]));
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> model.embedTexts(List.of("  ")));
    assertTrue(empty.getMessage().contains("empty"), empty.getMessage());

    TextEmbedding longText = model.embedTexts(List.of("c picks up the cup and puts it on the table then opens "
        + "the drawer and closes it")).get(0);
    assertTrue(longText.truncated());
    assertFalse(model.embedTexts(List.of("c picks up the cup")).get(0).truncated());
  }

  @Test
  void nativeMemoryDoesNotGrowWithCalls() {
    Clip clip = TestModels.randomClip(2, 64, 64, 9);
    List<Clip> choices = List.of(clip, clip, clip, clip, clip);
    model.embedClips(List.of(clip));
    int before = model.liveArrays();
    for (int i = 0; i < 50; i++) {
      model.embedClips(List.of(clip, clip));
      model.embedTexts(List.of("c opens the drawer"));
      model.answerMcq("c opens the drawer", choices, i % 2 == 0);
    }
    assertEquals(before, model.liveArrays(), "arrays left behind by calls");
  }

  @Test
  void basePresetHasThePapersParameterCount() {
    // BEiT-B/16 video encoder: 86 M parameters in the paper's count, plus the 12 bias tables of 3D offsets.
    StateDict sd = new StateDict();
    new VideoEncoder(sd, "vision_encoder", SvittConfig.base());
    long tables = 12L * RelativePositions.tableRows(4, 14) * 12;
    assertEquals(85.8e6, sd.size() - tables, 0.2e6);
  }

  private static void assertEmbeddingsEqual(List<ClipEmbedding> expected, List<ClipEmbedding> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i).vector(), actual.get(i).vector(), 0f, "clip " + i);
      assertTrue(Arrays.deepEquals(expected.get(i).keptTokens(), actual.get(i).keptTokens()), "clip " + i);
    }
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
