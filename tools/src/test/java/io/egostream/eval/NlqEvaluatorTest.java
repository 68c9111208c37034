package io.egostream.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.data.NarratedClip;
import io.egostream.data.NlqQuery;
import io.egostream.data.Rejected;
import io.egostream.model.Clip;
import io.egostream.model.RgbFrame;
import io.egostream.operators.moments.MomentRules;
import io.egostream.video.ClipSampling;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evaluator with a fake video folder and a "model" that sees time: a clip's vector marks the 100 ms bins it
 * covers, a query's the bins of its true moment, so cosine similarity is highest for the true range itself.
 */
class NlqEvaluatorTest {

  private static final int BINS = 400; // 40 s clips

  private final Map<Clip, NarratedClip> loaded = new IdentityHashMap<>();

  private Clip load(NarratedClip range) throws ClipUnavailableException {
    if (range.videoUid().equals("missing")) {
      throw new ClipUnavailableException(SkipReason.MISSING_VIDEO, "no video missing", null);
    }
    Clip clip = new Clip(List.of(new RgbFrame(1, 1, new byte[3])));
    loaded.put(clip, range);
    return clip;
  }

  private static float[] bins(double startSec, double endSec) {
    float[] v = new float[BINS];
    double norm = 0;
    for (int b = 0; b < BINS; b++) {
      double overlap = Math.max(0, Math.min(endSec, (b + 1) / 10.0) - Math.max(startSec, b / 10.0));
      v[b] = (float) overlap;
      norm += overlap * overlap;
    }
    for (int b = 0; b < BINS; b++) {
      v[b] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  private final McqEvaluator.Embedder timeModel = new McqEvaluator.Embedder() {
    @Override
    public List<float[]> clips(List<Clip> clips) {
      return clips.stream().map(c -> bins(loaded.get(c).clipStart(), loaded.get(c).clipEnd())).toList();
    }

    @Override
    public List<float[]> texts(List<String> texts) {
      return texts.stream().map(t -> bins(Double.parseDouble(t.split("-")[0]), Double.parseDouble(t.split("-")[1])))
          .toList();
    }
  };

  private static NlqQuery query(String video, int index, double start, double end) {
    return new NlqQuery(video, video, 0, 40, video + "-nlq", index, start + "-" + end, start, end, "verb" + index % 2);
  }

  private NlqEvaluator evaluator() {
    // The ITM "head" prefers short ranges: enough to see rerank re-order the refined moments.
    return new NlqEvaluator(this::load, timeModel, (text, clips) -> {
      float[] s = new float[clips.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = (float) -loaded.get(clips.get(i)).durationSeconds();
      }
      return s;
    }, new ClipSampling(4, 2, 1), MomentRules.DEFAULTS, 8);
  }

  @Test
  void refinementMovesTheWindowsOntoTheTrueMoments() {
    List<NlqQuery> queries = List.of(query("v", 0, 3.0, 6.0), query("v", 1, 11.3, 13.8), query("v", 2, 21.0, 24.5),
        query("w", 0, 30.9, 34.2));

    Map<NlqMethod, NlqResults> r = evaluator().evaluate(queries, List.of(), EnumSet.allOf(NlqMethod.class),
        (done, total) -> { });

    NlqResults windows = r.get(NlqMethod.WINDOWS);
    NlqResults refined = r.get(NlqMethod.REFINED);
    assertEquals(4, windows.all().count());
    assertEquals(100.0, windows.all().recall(NlqResults.Recall.R1_IOU03));
    assertTrue(refined.all().meanIou() > windows.all().meanIou() + 0.1, refined.all().meanIou() + " against "
        + windows.all().meanIou());
    assertEquals(100.0, refined.all().recall(NlqResults.Recall.R1_IOU05));
    assertEquals(14.0, refined.refineClipsPerQuery());
    assertEquals(0.0, windows.refineClipsPerQuery());
    for (NlqResults.Scored s : r.get(NlqMethod.MOMENTS).scoredQueries()) {
      for (int i = 0; i < s.predictions().size(); i++) {
        for (int j = i + 1; j < s.predictions().size(); j++) {
          double[] a = s.predictions().get(i);
          double[] b = s.predictions().get(j);
          assertTrue(io.egostream.operators.moments.TimeRange.iou(a[0], a[1], b[0], b[1]) <= 0.3);
        }
      }
    }
    NlqResults.Scored first = r.get(NlqMethod.RERANK).scoredQueries().get(0);
    assertTrue(first.predictions().get(0)[1] - first.predictions().get(0)[0] <= first.predictions().get(1)[1]
        - first.predictions().get(1)[0], "rerank orders by the ITM score");
  }

  @Test
  void recallCountsAPredictionOnlyWhenItsIouIsStrictlyAboveTheThreshold() {
    NlqQuery q = query("v", 0, 0, 2);

    assertTrue(!NlqResults.Recall.R1_IOU05.found(List.of(new double[] {0, 4}), q), "IoU exactly 0.5");
    assertTrue(NlqResults.Recall.R1_IOU05.found(List.of(new double[] {0, 3.9}), q));
    assertTrue(!NlqResults.Recall.R1_IOU03.found(List.of(new double[] {5, 9}, new double[] {0, 2}), q));
    assertTrue(NlqResults.Recall.R5_IOU03.found(List.of(new double[] {5, 9}, new double[] {0, 2}), q));
  }

  @Test
  void queriesOfAMissingVideoAndMalformedRecordsAreSkipped() {
    Map<NlqMethod, NlqResults> r = evaluator().evaluate(List.of(query("missing", 0, 1, 3), query("v", 0, 1, 3)),
        List.of(new Rejected("videos[0]", "query is missing or empty")), EnumSet.of(NlqMethod.WINDOWS),
        (done, total) -> { });

    assertEquals(1, r.get(NlqMethod.WINDOWS).all().count());
    assertEquals(List.of(SkipReason.MALFORMED_RECORD, SkipReason.MISSING_VIDEO), r.get(NlqMethod.WINDOWS)
        .skippedQueries().stream().map(SkippedQuestion::reason).toList());
  }
}
