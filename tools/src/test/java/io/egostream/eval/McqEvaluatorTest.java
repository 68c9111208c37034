package io.egostream.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.egostream.data.McqQuestion;
import io.egostream.data.McqType;
import io.egostream.data.NarratedClip;
import io.egostream.data.Rejected;
import io.egostream.model.Clip;
import io.egostream.model.RgbFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The evaluator with a fake video folder and an oracle "model" that knows which narration each clip shows. */
class McqEvaluatorTest {

  private static final List<String> NARRATIONS = List.of("#C C picks up the cup", "#C C puts down the cup",
      "#C C opens the box", "#C C closes the box", "#C C turns on the lamp", "#C C turns off the lamp");

  private final List<Clip> embedded = new ArrayList<>();

  @Test
  void anOracleIsAlwaysRightAndEachClipIsEmbeddedOnce() {
    List<McqQuestion> questions = List.of(question("0", 0, 2, McqType.INTER_VIDEO),
        question("1", 0, 4, McqType.INTRA_VIDEO), question("2", 1, 1, McqType.INTRA_VIDEO));

    McqResults r = new McqEvaluator(this::load, oracle(), 4, null).evaluate(questions, List.of(), (d, t) -> { });

    assertEquals(new McqResults.Tally(1, 1), r.tally(McqType.INTER_VIDEO));
    assertEquals(new McqResults.Tally(2, 2), r.tally(McqType.INTRA_VIDEO));
    assertEquals(100.0, r.tally(McqType.INTRA_VIDEO).accuracy());
    assertEquals(11, embedded.size(), "15 choices, 11 distinct clips (5 inter, 5 + 1 intra)");
    assertEquals(Map.of(McqType.INTER_VIDEO, new McqResults.Tally(1, 1), McqType.INTRA_VIDEO,
        new McqResults.Tally(1, 1)), r.byVerb().get("picks"));
  }

  /** One model at several keep rates: its clips decoded once and embedded by each, the narrations by the first. */
  @Test
  void severalEmbeddersScoreTheSameDecodedClipsAndEmbedTheTextsOnce() {
    List<McqQuestion> questions = List.of(question("0", 0, 2, McqType.INTER_VIDEO),
        question("1", 0, 4, McqType.INTRA_VIDEO), question("2", 1, 1, McqType.INTRA_VIDEO));
    List<NarratedClip> decoded = new ArrayList<>();

    List<McqResults> each = new McqEvaluator(r -> {
      decoded.add(r);
      return load(r);
    }, List.of(oracle(), offByOne()), 4, null).evaluateEach(questions, List.of(new Rejected("9", "no query")),
        (d, t) -> { });

    assertEquals(11, decoded.size(), "each distinct clip decoded once for both embedders");
    assertEquals(22, embedded.size(), "and embedded by each");
    assertEquals(2, each.size());
    assertEquals(new McqResults.Tally(2, 2), each.get(0).tally(McqType.INTRA_VIDEO));
    assertEquals(new McqResults.Tally(0, 2), each.get(1).tally(McqType.INTRA_VIDEO));
    assertEquals(new McqResults.Tally(0, 1), each.get(1).tally(McqType.INTER_VIDEO));
    for (McqResults r : each) {
      assertEquals(Map.of(SkipReason.MALFORMED_RECORD, 1), r.skipCounts());
    }
  }

  @Test
  void badQuestionsAreSkippedAndCountedWhileTheRestGoOn() {
    List<McqQuestion> questions = List.of(question("0", 0, 0, McqType.INTER_VIDEO),
        withVideo(question("1", 1, 1, McqType.INTER_VIDEO), 3, "missing"),
        withVideo(question("2", 2, 2, McqType.INTRA_VIDEO), 1, "short"), question("3", 3, 3, McqType.INTRA_VIDEO));

    McqResults r = new McqEvaluator(this::load, oracle(), 2, null)
        .evaluate(questions, List.of(new Rejected("9", "no query field")), (d, t) -> { });

    assertEquals(2, r.answeredCount());
    assertEquals(Map.of(SkipReason.MISSING_VIDEO, 1, SkipReason.CLIP_OUTSIDE_VIDEO, 1, SkipReason.MALFORMED_RECORD, 1),
        r.skipCounts());
    assertEquals("choice 3: no video missing", r.skippedQuestions().stream()
        .filter(s -> s.key().equals("1")).findFirst().orElseThrow().detail());
  }

  @Test
  void noQuestionsOfATypeGivesNoAccuracy() {
    McqResults r = new McqEvaluator(this::load, oracle(), 8, null)
        .evaluate(List.of(question("0", 0, 0, McqType.INTER_VIDEO)), List.of(), (d, t) -> { });

    assertNull(r.tally(McqType.INTRA_VIDEO).accuracy());
    assertEquals(0, r.tally(McqType.INTRA_VIDEO).count());
  }

  @Test
  void shuffleIsSeededPerClipAndNeverTheIdentity() {
    List<RgbFrame> frames = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      frames.add(new RgbFrame(1, 1, new byte[] {(byte) i, 0, 0}));
    }
    Clip clip = new Clip(frames);
    NarratedClip record = new NarratedClip("v", 1, 2, "#C C x", List.of(), List.of());
    for (long seed = 0; seed < 50; seed++) {
      Clip shuffled = new FrameShuffle(seed).apply(clip, record);
      assertNotEquals(clip.frames(), shuffled.frames());
      assertEquals(shuffled.frames(), new FrameShuffle(seed).apply(clip, record).frames());
    }
  }

  /** A question asking for narration {@code right}; choices are narrations right, right+1, ... at rotating slots. */
  private static McqQuestion question(String key, int right, int answer, McqType type) {
    List<NarratedClip> choices = new ArrayList<>();
    for (int c = 0; c < 5; c++) {
      int n = Math.floorMod(right + c - answer, NARRATIONS.size());
      choices.add(clip(type == McqType.INTER_VIDEO ? "v" + n : "v", n));
    }
    return new McqQuestion(key, choices.get(answer), choices, answer, type);
  }

  private static McqQuestion withVideo(McqQuestion q, int choice, String video) {
    List<NarratedClip> choices = new ArrayList<>(q.choices());
    NarratedClip c = choices.get(choice);
    choices.set(choice, new NarratedClip(video, c.clipStart(), c.clipEnd(), c.clipText(), List.of(), List.of()));
    return new McqQuestion(q.key(), q.query(), choices, q.answer(), q.type());
  }

  private static NarratedClip clip(String video, int narration) {
    return new NarratedClip(video, narration * 4, narration * 4 + 3, NARRATIONS.get(narration), List.of(), List.of());
  }

  /** Fake video folder: "missing" does not exist, "short" is 5 s long, every other clip shows its narration. */
  private Clip load(NarratedClip r) throws ClipUnavailableException {
    if (r.videoUid().equals("missing")) {
      throw new ClipUnavailableException(SkipReason.MISSING_VIDEO, "no video missing", null);
    }
    if (r.videoUid().equals("short") && r.clipEnd() > 5) {
      throw new ClipUnavailableException(SkipReason.CLIP_OUTSIDE_VIDEO, "after the end", null);
    }
    byte id = (byte) NARRATIONS.indexOf(r.clipText());
    return new Clip(List.of(new RgbFrame(1, 1, new byte[] {id, 0, 0})));
  }

  private McqEvaluator.Embedder oracle() {
    return new McqEvaluator.Embedder() {
      @Override
      public List<float[]> clips(List<Clip> clips) {
        embedded.addAll(clips);
        return clips.stream().map(c -> oneHot(c.frames().get(0).rgb()[0])).toList();
      }

      @Override
      public List<float[]> texts(List<String> texts) {
        return texts.stream().map(t -> oneHot(NARRATIONS.indexOf(t))).toList();
      }
    };
  }

  /** Sees each clip as the narration after the one it shows, so it always picks the choice after the right one. */
  private McqEvaluator.Embedder offByOne() {
    return new McqEvaluator.Embedder() {
      @Override
      public List<float[]> clips(List<Clip> clips) {
        embedded.addAll(clips);
        return clips.stream().map(c -> oneHot(Math.floorMod(c.frames().get(0).rgb()[0] - 1, NARRATIONS.size())))
            .toList();
      }

      @Override
      public List<float[]> texts(List<String> texts) {
        throw new AssertionError("the first embedder embeds the narrations");
      }
    };
  }

  private static float[] oneHot(int index) {
    float[] v = new float[NARRATIONS.size()];
    v[index] = 1;
    return v;
  }
}
