package io.egostream.operators.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.mcq.ChoiceOutcome;
import io.egostream.operators.mcq.ChoiceRequest;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.moments.TimeRange;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.MomentHit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RefineMomentsTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long NOW = 5_000_000L;
  private static final RefineSettings SETTINGS = new RefineSettings(1, 14, 5_000, 56);
  private static final float[] TEXT = unit(1f);

  @Test
  void refinesTheBestMomentToItsBestScoringRangeThroughTheClipBuildersRequests() throws Exception {
    try (var harness = open()) {
      harness.processElement1(candidates("q1"), 1);
      List<ChoiceRequest> requests = requests(harness);
      List<TimeRange> ranges = MomentRules.ranges(new TimeRange(T0, T0 + 4_000),
          new TimeRange(Long.MIN_VALUE / 4, Long.MAX_VALUE / 4));
      assertEquals(14, requests.size(), "every range around the best moment, as eval-nlq --method refined");
      for (int i = 0; i < requests.size(); i++) {
        ChoiceRequest r = requests.get(i);
        assertEquals(List.of("q1", i, "a", ranges.get(i), "m1", NOW + SETTINGS.timeoutMs(), true),
            List.of(r.queryId, r.choice, r.deviceId, new TimeRange(r.startMs, r.endMs), r.modelId, r.expiresAtMs,
                r.forMoment));
      }
      assertEquals(List.of(), harness.extractOutputValues(), "waits for its ranges");

      for (int i = 0; i < 13; i++) {
        harness.processElement2(range("q1", i, ranges.get(i), i == 5 ? 0.9f : 0.1f), 2);
      }
      harness.processElement2(ChoiceOutcome.missing("q1", 13, "frames aged out: the range starts at 1"), 2);

      AnswerRecord answer = single(harness);
      assertEquals(AnswerRecord.Status.OK, answer.status);
      assertEquals(3, answer.hits.length, "hits as they were");
      MomentHit best = answer.moments[0];
      assertEquals(ranges.get(5), new TimeRange(best.startMs, best.endMs));
      assertEquals(0.9f, best.score, 1e-6f);
      assertTrue(best.refined);
      assertEquals(13, best.refineRanges);
      assertTrue(best.refineNote.startsWith("1 of 14 ranges not scored, first [") && best.refineNote.contains(
          "frames aged out"), best.refineNote);
      assertArrayEquals(new long[] {T0}, best.clipStartsMs, "its supporting clips are kept");
      assertEquals("s-a", best.sessionId);
      assertEquals(List.of("b[" + (T0 + 40_000) + ", " + (T0 + 44_000) + ")=0.4 clips [" + (T0 + 40_000) + "]",
          "a[" + (T0 + 8_000) + ", " + (T0 + 12_000) + ")=0.3 clips [" + (T0 + 8_000) + "]"),
          List.of(answer.moments[1].toString(), answer.moments[2].toString()), "the others as merged");
      assertFalse(answer.moments[1].refined);
      assertStateEmpty(harness);
    }
  }

  @Test
  void aCandidateNoneOfWhoseRangesCouldBeBuiltStaysAsMergedAndSaysWhy() throws Exception {
    try (var harness = open()) {
      harness.processElement1(candidates("q1"), 1);
      for (int i = 0; i < 14; i++) {
        harness.processElement2(ChoiceOutcome.missing("q1", i, "frames aged out: the range starts at " + i), 2);
      }
      MomentHit best = single(harness).moments[0];
      assertEquals(List.of(T0, T0 + 4_000, 0.5f, false, 0), List.of(best.startMs, best.endMs, best.score,
          best.refined, best.refineRanges), "the coarse moment");
      assertTrue(best.refineNote.startsWith("14 of 14 ranges not scored") && best.refineNote.contains("aged out"),
          best.refineNote);
      assertStateEmpty(harness);
    }
  }

  @Test
  void aRefinedMomentThatNowOverlapsAnotherOfItsDeviceIsMergedWithIt() throws Exception {
    try (var harness = open()) {
      MomentCandidates c = candidates("q1");
      c.answer.moments[2] = new MomentHit("a", "s-a", T0 + 4_000, T0 + 8_000, 0.3f, new long[] {T0 + 4_000});
      harness.processElement1(c, 1);
      List<ChoiceRequest> requests = requests(harness);
      for (ChoiceRequest r : requests) {
        // The range shifted furthest right scores best: [T0 + 1 000, T0 + 5 000) overlaps a@T0+4 000 by 1/7 only.
        // So far above the rest (the moment's own 0.5 too) that their weights in the mean are below 1e-4.
        boolean best = r.startMs == T0 + 1_000 && r.endMs == T0 + 5_000;
        harness.processElement2(range("q1", r.choice, new TimeRange(r.startMs, r.endMs), best ? 0.95f : 0.2f), 2);
      }
      AnswerRecord answer = single(harness);
      assertEquals("a[" + (T0 + 1_000) + ", " + (T0 + 5_000) + ")=0.95 clips [" + T0 + "] refined over 14 ranges",
          answer.moments[0].toString());
      assertNull(answer.moments[0].refineNote);
      for (MomentHit m : answer.moments) {
        for (MomentHit o : answer.moments) {
          assertTrue(m == o || !m.deviceId.equals(o.deviceId)
              || new TimeRange(m.startMs, m.endMs).iou(new TimeRange(o.startMs, o.endMs)) <= 0.3, m + " vs " + o);
        }
      }
    }
  }

  @Test
  void atTheDeadlineItAnswersWithTheRangesScoredSoFarAlsoAfterARestore() throws Exception {
    OperatorSubtaskState snapshot;
    List<ChoiceRequest> requests;
    try (var before = open()) {
      before.processElement1(candidates("q1"), 1);
      requests = requests(before);
      // Far above the rest (weights below 1e-4 in the mean): the refined range is this one to the millisecond.
      before.processElement2(range("q1", 0, new TimeRange(requests.get(0).startMs, requests.get(0).endMs), 0.95f),
          2);
      snapshot = before.snapshot(1L, 0L);
    }
    try (var restored = harness()) {
      restored.initializeState(snapshot);
      restored.open();
      restored.setProcessingTime(NOW);
      restored.processElement2(range("q1", 1, new TimeRange(requests.get(1).startMs, requests.get(1).endMs), 0.2f),
          2);
      restored.setProcessingTime(NOW + SETTINGS.timeoutMs() - 1);
      assertEquals(List.of(), restored.extractOutputValues());
      restored.setProcessingTime(NOW + SETTINGS.timeoutMs());
      AnswerRecord answer = single(restored);
      MomentHit best = answer.moments[0];
      assertEquals(List.of(requests.get(0).startMs, requests.get(0).endMs, 0.95f, true, 2), List.of(best.startMs,
          best.endMs, best.score, best.refined, best.refineRanges));
      assertTrue(best.refineNote.startsWith("12 of 14 ranges not scored") && best.refineNote.contains(
          "not embedded within moment.refine.timeout.ms (5000 ms)"), best.refineNote);
      assertEquals(SETTINGS.timeoutMs() + 1_000, answer.latencyMs, "from the coarse answer's latency start");

      restored.processElement2(range("q1", 2, new TimeRange(requests.get(2).startMs, requests.get(2).endMs), 0.9f),
          2);
      assertEquals(1, restored.extractOutputValues().size(), "a late range is dropped");
      assertStateEmpty(restored);
    }
  }

  @Test
  void anAnswerWithoutMomentsGoesOutAtOnce() throws Exception {
    try (var harness = open()) {
      MomentCandidates c = candidates("q1");
      c.answer.moments = new MomentHit[0];
      c.answer.hits = new ClipHit[0];
      harness.processElement1(c, 1);
      assertEquals(0, single(harness).moments.length);
      assertEquals(List.of(), requests(harness));
      assertStateEmpty(harness);
    }
  }

  @Test
  void aQueryRangeBeyondWhatTheBoundsCanHoldIsAnsweredAsMergedNotAFailure() throws Exception {
    try (var harness = open()) {
      MomentCandidates c = candidates("q1");
      c.fromMs = Long.MAX_VALUE - 1;
      harness.processElement1(c, 1);
      assertEquals(3, single(harness).moments.length);
      assertEquals(List.of(), requests(harness));
      assertStateEmpty(harness);
    }
  }

  @Test
  void rangesStayInsideTheQuerysRange() throws Exception {
    try (var harness = open()) {
      MomentCandidates c = candidates("q1");
      c.fromMs = T0;
      c.toMs = T0 + 4_500;
      harness.processElement1(c, 1);
      List<ChoiceRequest> requests = requests(harness);
      assertEquals(MomentRules.ranges(new TimeRange(T0, T0 + 4_000), new TimeRange(T0, T0 + 4_500)).size(),
          requests.size());
      assertTrue(requests.stream().allMatch(r -> r.startMs >= T0 && r.endMs <= T0 + 4_500), requests.toString());
    }
  }

  @Test
  void pastTheBoundOnOutstandingRangeClipsAQueryIsAnsweredAtOnceAsMergedAndSaysWhy() throws Exception {
    // One query's ranges at most: a second query while the first's 14 clips are outstanding is not queued behind them.
    RefineSettings bounded = RefineSettings.from(Configuration.fromMap(Map.of(
        "moment.refine.max-outstanding-clips", "14", "moment.refine.timeout.ms", "5000")));
    try (var harness = open(bounded)) {
      harness.processElement1(candidates("q1"), 1);
      List<ChoiceRequest> q1 = requests(harness);
      assertEquals(14, q1.size());

      harness.processElement1(candidates("q2"), 1);
      AnswerRecord skipped = single(harness);
      assertEquals("q2", skipped.queryId);
      assertEquals(AnswerRecord.Status.OK, skipped.status);
      MomentHit best = skipped.moments[0];
      assertEquals(List.of(T0, T0 + 4_000, 0.5f, false, 0), List.of(best.startMs, best.endMs, best.score,
          best.refined, best.refineRanges), "the coarse moment, at once");
      assertTrue(best.refineNote != null && best.refineNote.contains("moment.refine.max-outstanding-clips"),
          String.valueOf(best.refineNote));
      assertNull(skipped.moments[1].refineNote, "only the candidate would have been refined");
      assertEquals(14, requests(harness).size(), "no ranges asked for the skipped query");

      for (ChoiceRequest r : q1) {
        harness.processElement2(range("q1", r.choice, new TimeRange(r.startMs, r.endMs), 0.2f), 2);
      }
      assertEquals(List.of("q2", "q1"), harness.extractOutputValues().stream().map(a -> a.queryId).toList());
      harness.processElement1(candidates("q3"), 1);
      assertEquals(28, requests(harness).size(), "answered ranges are no longer outstanding");
      harness.setProcessingTime(NOW + bounded.timeoutMs());
      assertEquals(3, harness.extractOutputValues().size(), "q3 at its deadline, without its ranges");
      harness.processElement1(candidates("q4"), 1);
      assertEquals(42, requests(harness).size(), "ranges given up at the deadline are no longer outstanding");
      harness.setProcessingTime(NOW + 2 * bounded.timeoutMs());
      assertStateEmpty(harness);
    }
  }

  @Test
  void afterARestoreTheBoundCountsTheRangesAskedForSinceAndTheRestoredQueryGivesNoneBack() throws Exception {
    RefineSettings bounded = new RefineSettings(1, 14, 5_000, 14);
    OperatorSubtaskState snapshot;
    try (var before = open(bounded)) {
      before.processElement1(candidates("q1"), 1);
      snapshot = before.snapshot(1L, 0L);
    }
    try (var restored = harness(bounded)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.setProcessingTime(NOW);
      restored.processElement1(candidates("q2"), 1);
      List<ChoiceRequest> q2 = requests(restored);
      assertEquals(14, q2.size(), "a fresh count: q1's ranges, asked for before the restore, are not in it");
      assertEquals(List.of(), restored.extractOutputValues());

      restored.setProcessingTime(NOW + bounded.timeoutMs()); // q1 and q2 at their deadlines
      assertEquals(List.of("q1", "q2"), restored.extractOutputValues().stream().map(a -> a.queryId).sorted()
          .toList());
      restored.processElement1(candidates("q3"), 1);
      assertEquals(28, requests(restored).size(), "q2's ranges were given back, and q1 gave back none it had not");
      restored.processElement1(candidates("q4"), 1);
      assertTrue(restored.extractOutputValues().get(2).moments[0].refineNote.contains(
          "moment.refine.max-outstanding-clips"), "q3's ranges are outstanding: q4 is not refined");
      restored.setProcessingTime(NOW + 2 * bounded.timeoutMs());
      assertStateEmpty(restored);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord>
      harness() throws Exception {
    return harness(SETTINGS);
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord>
      harness(RefineSettings settings) throws Exception {
    return new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new RefineMoments(settings)),
        c -> c.answer.queryId, o -> o.queryId, Types.STRING);
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord>
      open() throws Exception {
    return open(SETTINGS);
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord>
      open(RefineSettings settings) throws Exception {
    var harness = harness(settings);
    harness.open();
    harness.setProcessingTime(NOW);
    return harness;
  }

  /** An answer from the clip grid: a's best moment, one of b, a second of a; the coarse latency started 1 s ago. */
  private static MomentCandidates candidates(String queryId) {
    AnswerRecord answer = new AnswerRecord(queryId, AnswerRecord.Kind.MOMENT, AnswerRecord.Status.OK, null, 1_000,
        NOW);
    answer.hits = new ClipHit[] {new ClipHit("a", "s-a", T0, T0 + 4_000, 0.5f, 0),
        new ClipHit("b", "s-b", T0 + 40_000, T0 + 44_000, 0.4f, 0),
        new ClipHit("a", "s-a", T0 + 8_000, T0 + 12_000, 0.3f, 0)};
    answer.moments = new MomentHit[] {new MomentHit("a", "s-a", T0, T0 + 4_000, 0.5f, new long[] {T0}),
        new MomentHit("b", "s-b", T0 + 40_000, T0 + 44_000, 0.4f, new long[] {T0 + 40_000}),
        new MomentHit("a", "s-a", T0 + 8_000, T0 + 12_000, 0.3f, new long[] {T0 + 8_000})};
    return new MomentCandidates(answer, TEXT, "m1", 0, 0);
  }

  /** The embedded clip of refinement range {@code index}, whose cosine with {@link #TEXT} is {@code score}. */
  private static ChoiceOutcome range(String queryId, int index, TimeRange range, float score) {
    EmbeddedClip clip = new EmbeddedClip("a", "s-a", range.startMs(), range.endMs(), null, unit(score), null, "m1",
        0);
    clip.requestQueryId = queryId;
    clip.requestChoice = index;
    clip.requestForMoment = true;
    return ChoiceOutcome.exactRange(clip);
  }

  /** A unit vector whose first component (its cosine with {@code unit(1)}) is {@code cos}. */
  private static float[] unit(float cos) {
    float[] v = new float[8];
    v[0] = cos;
    v[1] = (float) Math.sqrt(Math.max(0, 1 - (double) cos * cos));
    return v;
  }

  private static List<ChoiceRequest> requests(
      KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord> harness) {
    List<ChoiceRequest> requests = new ArrayList<>();
    var side = harness.getSideOutput(RefineMoments.REQUESTS);
    if (side != null) {
      for (StreamRecord<ChoiceRequest> r : side) {
        requests.add(r.getValue());
      }
    }
    return requests;
  }

  private static AnswerRecord single(
      KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord> harness) {
    List<AnswerRecord> out = harness.extractOutputValues();
    assertEquals(1, out.size(), out.toString());
    return out.get(0);
  }

  private static void assertStateEmpty(
      KeyedTwoInputStreamOperatorTestHarness<String, MomentCandidates, ChoiceOutcome, AnswerRecord> harness) {
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
    assertEquals(0, harness.numProcessingTimeTimers());
  }
}
