package io.egostream.operators.query;

import static io.egostream.operators.query.QueryTestSupport.MODEL_ID;
import static io.egostream.operators.query.QueryTestSupport.TEXT;
import static io.egostream.operators.query.QueryTestSupport.cancel;
import static io.egostream.operators.query.QueryTestSupport.clip;
import static io.egostream.operators.query.QueryTestSupport.moment;
import static io.egostream.operators.query.QueryTestSupport.standing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.moments.TimeRange;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.MomentHit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

// The harness's close() declares Exception (javac's "try" lint warns about InterruptedException):
// closing it is the point.
@SuppressWarnings("try")
class ClipStoreTest {
  private static final int MAX_PARALLELISM = 128;
  private static final long NOW = 50_000;

  // ---- retention ----

  @Test
  void clipsAreEvictedOnceTheWatermarkPassesTheirEndPlusRetentionAndTheStateEmpties() throws Exception {
    try (var store = store(new StoreSettings(10_000, 1_000), 1, 0)) {
      store.processElement(clip("a", 0, 0.5, 1), 10); // ends 4 000: evicted at 14 000
      store.processElement(clip("a", 5_000, 0.5, 1), 10); // ends 9 000: evicted at 19 000
      store.processElement(clip("b", 500, 0.5, 1), 10); // ends 4 500: 14 500, rounded up to 15 000
      assertEquals(3, store.numEventTimeTimers(), "one per device and eviction interval");

      store.watermark(13_999);
      assertEquals(3, scored(store, "q1"));
      store.watermark(14_000);
      assertEquals(2, scored(store, "q2"), "a's first clip is gone");
      store.watermark(15_000);
      assertEquals(1, scored(store, "q3"), "b is gone");
      assertEquals(1, keyedStateEntries(store));
      store.watermark(19_000);
      assertEquals(0, scored(store, "q4"));
      assertEquals(0, keyedStateEntries(store), "nothing left behind");
      assertEquals(0, store.numEventTimeTimers());
    }
  }

  @Test
  void settingsAreValidated() {
    assertEquals("Invalid value 0 for store.retention.ms: must be at least 1 (event-time ms a clip stays searchable "
        + "after its end)", assertThrows(IllegalArgumentException.class, () -> new StoreSettings(0, 1)).getMessage());
    assertEquals("Invalid value 20 for the clip store's eviction interval (ms): must be between 1 and "
        + "store.retention.ms (10)",
        assertThrows(IllegalArgumentException.class, () -> new StoreSettings(10, 20)).getMessage());
    assertEquals(60_000, new StoreSettings(60_000, 1_000).evictAt(0));
    assertEquals(61_000, new StoreSettings(60_000, 1_000).evictAt(1));
  }

  // ---- moment queries ----

  @Test
  void momentTopKAcrossTwoDevicesOnTwoInstancesIsMergedWithFiltersAndTiesResolved() throws Exception {
    String a = deviceOn(0, "a");
    String b = deviceOn(1, "b");
    String c = deviceOn(1, "c");
    try (var store0 = store(StoreSettings.from(new Configuration()), 2, 0);
        var store1 = store(StoreSettings.from(new Configuration()), 2, 1);
        var merge = merge(5_000)) {
      store0.processElement(clip(a, 0, 0.9, 2_000), 1);
      store0.processElement(clip(a, 10_000, 0.5, 2_000), 1);
      store0.processElement(clip(a, 20_000, 0.95, 3_000), 1);
      store0.processElement(clip(a, 30_000, 0.99, 2_000), 1); // starts at to_ms: outside [1 000, 30 000)
      store1.processElement(clip(b, 0, 0.8, 2_000), 1);
      store1.processElement(clip(b, 10_000, 0.9, 2_500), 1); // ties a's clip at 0: a sorts first
      store1.processElement(clip(b, 40_000, 0.97, 2_000), 1); // outside the time range
      store1.processElement(clip(c, 0, 0.99, 2_000), 1); // not one of the query's devices
      EmbeddedClip otherModel = clip(b, 15_000, 0.99, 2_000);
      otherModel.modelId = "another-model";
      store1.processElement(otherModel, 1); // another embedding space: never compared

      EmbeddedQuery query = moment("m1", 3, 1_000, 30_000, a, b);
      store0.processBroadcastElement(query, 2);
      store1.processBroadcastElement(query, 2);

      List<PartialHits> partials = new ArrayList<>(store0.extractOutputValues());
      partials.addAll(store1.extractOutputValues());
      assertEquals(2, partials.size(), "one partial per instance");
      assertEquals(List.of(0, 1), partials.stream().map(p -> p.subtaskIndex).toList());
      assertEquals(List.of(2, 2), partials.stream().map(p -> p.parallelism).toList());
      assertEquals(3, partials.get(0).clipsScored);
      assertEquals(2, partials.get(1).clipsScored);

      merge.setProcessingTime(NOW);
      merge.processElement(partials.get(1), 3);
      assertEquals(List.of(), merge.extractOutputValues(), "waits for the other instance");
      merge.processElement(partials.get(0), 3);

      AnswerRecord answer = single(merge.extractOutputValues());
      assertEquals("m1", answer.queryId);
      assertEquals(AnswerRecord.Kind.MOMENT, answer.kind);
      assertEquals(AnswerRecord.Status.OK, answer.status);
      assertNull(answer.reason);
      assertEquals(List.of(a + "@20000=0.95", a + "@0=0.9", b + "@10000=0.9"), describe(answer.hits));
      assertEquals(NOW - 3_000, answer.latencyMs, "from the newest ingest among the hits' clips");
      assertEquals(NOW, answer.answerTimeMs);
      assertEquals(0, merge.numProcessingTimeTimers());
      assertEquals(0, merge.numKeyedStateEntries());
    }
  }

  @Test
  void momentAnswersMergeNeighbouringClipsOfADeviceAndStillHoldTopKMomentsAndTheOldHits() throws Exception {
    String a = deviceOn(0, "a");
    String b = deviceOn(1, "b");
    try (var store0 = store(StoreSettings.from(new Configuration()), 2, 0);
        var store1 = store(StoreSettings.from(new Configuration()), 2, 1);
        var merge = merge(5_000)) {
      // One action on a, seen by three overlapping clips (4 s every 2 s), and a weaker moment of a later on.
      store0.processElement(clip(a, 0, 0.9, 1), 1);
      store0.processElement(clip(a, 2_000, 0.95, 1), 1);
      store0.processElement(clip(a, 4_000, 0.9, 1), 1);
      store0.processElement(clip(a, 20_000, 0.5, 1), 1);
      store1.processElement(clip(b, 2_000, 0.4, 1), 1); // overlaps a's action, but another device: its own moment
      EmbeddedQuery query = moment("m", 2, 0, 0);
      store0.processBroadcastElement(query, 2);
      store1.processBroadcastElement(query, 2);
      List<PartialHits> partials = new ArrayList<>(store0.extractOutputValues());
      partials.addAll(store1.extractOutputValues());
      assertEquals(List.of(4, 1), partials.stream().map(p -> p.hits.length).toList(),
          "up to k · 3 candidates per store, so that the three clips of a's action still leave room for a 2nd moment");

      merge.processElement(partials.get(0), 3);
      merge.processElement(partials.get(1), 3);
      AnswerRecord answer = single(merge.extractOutputValues());
      assertEquals(List.of(a + "@2000=0.95", a + "@0=0.9"), describe(answer.hits), "the top-k clips, as before");
      assertEquals(List.of(a + "[2000, 6000)=0.95 [2000, 0, 4000]", a + "[20000, 24000)=0.5 [20000]"),
          describe(answer.moments), "k moments: the action once (its best clip's range), then the next moment");
      assertNoOverlapAboveIou(answer.moments);

      EmbeddedQuery three = moment("m3", 3, 0, 0);
      store0.processBroadcastElement(three, 4);
      store1.processBroadcastElement(three, 4);
      merge.processElement(store0.extractOutputValues().get(1), 5);
      merge.processElement(store1.extractOutputValues().get(1), 5);
      AnswerRecord all = merge.extractOutputValues().get(1);
      assertEquals(List.of(a + "[2000, 6000)=0.95 [2000, 0, 4000]", a + "[20000, 24000)=0.5 [20000]",
          b + "[2000, 6000)=0.4 [2000]"), describe(all.moments));
      assertEquals(3, all.hits.length);
    }
  }

  @Test
  void momentQueriesSearchOnlyClipsWhoseFramesCoverTheirWindow() throws Exception {
    String a = deviceOn(0, "a");
    try (var store = store(StoreSettings.from(new Configuration()), 1, 0); var merge = merge(5_000)) {
      // The session starts at 0: the window [-2 000, 2 000) holds its first 2 s only, sampled as four frames from
      // there (the frames the model saw). Such a clip is not what the model was trained on, and it scored first on
      // queries about other actions (issue #23's live NLQ runs); the full windows after it are searched.
      store.processElement(clipOfFrames(a, -2_000, 0.99, 0, 125, 500, 1_500), 1);
      store.processElement(clipOfFrames(a, 0, 0.6, 500, 1_500, 2_500, 3_500), 1);
      store.processElement(clipOfFrames(a, 2_000, 0.8, 2_500, 3_500, 4_500, 5_500), 1);
      // The session's last window, [4 000, 8 000), ends at 6 000: its last frame is 2 s before the window's end.
      store.processElement(clipOfFrames(a, 4_000, 0.97, 4_500, 5_000, 5_500, 5_875), 1);
      EmbeddedQuery query = moment("m", 3, 0, 0);
      store.processBroadcastElement(query, 2);
      PartialHits partial = single(store.extractOutputValues());
      assertEquals(2, partial.clipsScored, "the two windows the session's frames cover");
      merge.processElement(partial, 3);
      AnswerRecord answer = single(merge.extractOutputValues());
      assertEquals(List.of(a + "@2000=0.8", a + "@0=0.6"), describe(answer.hits));
      // One moment, its range fused: the clip at 0, 0.2 below, pulls it by e^-4 / (1 + e^-4) of 2 s.
      assertEquals(List.of(a + "[1964, 5964)=0.8 [2000, 0]"), describe(answer.moments));
    }
  }

  private static EmbeddedClip clipOfFrames(String device, long startMs, double cos, long... frameTimesMs) {
    return new EmbeddedClip(device, "session-" + device, startMs, startMs + 4_000, frameTimesMs,
        QueryTestSupport.atCosine(cos), new int[0][], QueryTestSupport.MODEL_ID, 1);
  }

  @Test
  void whenTheRulesRefineTheMergedAnswerGoesToTheRefinementWithTheQuerysTextAndRange() throws Exception {
    try (var store = store(StoreSettings.from(new Configuration()), 1, 0);
        var merge = merge(5_000, RefineSettings.DEFAULTS.rules())) {
      store.processElement(clip("a", 0, 0.9, 1), 1);
      store.processElement(clip("a", 2_000, 0.95, 1), 1);
      store.processBroadcastElement(moment("m", 2, 1_000, 9_000), 2);
      merge.processElement(single(store.extractOutputValues()), 3);

      assertEquals(List.of(), merge.extractOutputValues(), "not answered before its moments are refined");
      var toRefine = merge.getSideOutput(MergeHits.TO_REFINE);
      assertEquals(1, toRefine.size());
      MomentCandidates c = toRefine.peek().getValue();
      assertEquals(List.of("a[1462, 5462)=0.95 [2000, 0]"), describe(c.answer.moments),
          "the answer as merged, its range fused: the clip at 0, 0.05 below, pulls it by e^-1 / (1 + e^-1) of 2 s");
      assertEquals(List.of(MODEL_ID, 1_000L, 9_000L), List.of(c.modelId, c.fromMs, c.toMs));
      assertArrayEquals(TEXT, c.textEmbedding);
      assertEquals(0, merge.numKeyedStateEntries());
    }
  }

  /** No two moments of one device in {@code moments} overlap by more than the rules' IoU. */
  private static void assertNoOverlapAboveIou(MomentHit[] moments) {
    for (int i = 0; i < moments.length; i++) {
      for (int j = i + 1; j < moments.length; j++) {
        if (moments[i].deviceId.equals(moments[j].deviceId)) {
          double iou = new TimeRange(moments[i].startMs, moments[i].endMs)
              .iou(new TimeRange(moments[j].startMs, moments[j].endMs));
          assertTrue(iou <= MomentRules.DEFAULTS.nmsIou(), moments[i] + " and " + moments[j] + ": IoU " + iou);
        }
      }
    }
  }

  @Test
  void anInstanceWithoutMatchingClipsStillSendsItsPartial() throws Exception {
    try (var store = store(StoreSettings.from(new Configuration()), 1, 0)) {
      store.processBroadcastElement(moment("m", 5, 0, 0), 1);
      PartialHits partial = single(store.extractOutputValues());
      assertEquals(0, partial.hits.length);
      assertEquals(1, partial.parallelism);
    }
  }

  // ---- standing queries and cancels ----

  @Test
  void aStandingQueryFiresOnMatchingNewClipsOfItsDevicesOnlyUntilCancelled() throws Exception {
    try (var store = store(StoreSettings.from(new Configuration()), 1, 0)) {
      store.setProcessingTime(NOW);
      store.processElement(clip("a", 0, 0.95, 2_000), 1); // stored before the query: not watched
      store.processBroadcastElement(standing("s", 0.9f, "a"), 2);
      assertEquals(List.of(), answers(store));

      store.processElement(clip("a", 10_000, 0.95, 2_000), 3);
      store.processElement(clip("a", 20_000, 0.5, 2_000), 3); // below the threshold
      store.processElement(clip("b", 0, 0.99, 2_000), 3); // a device the query does not watch
      EmbeddedClip otherModel = clip("a", 25_000, 0.99, 2_000);
      otherModel.modelId = "another-model";
      store.processElement(otherModel, 3);
      store.processElement(clip("a", 30_000, 0.9, 2_000), 3); // exactly at the threshold: fires

      List<AnswerRecord> fired = answers(store);
      assertEquals(2, fired.size());
      AnswerRecord first = fired.get(0);
      assertEquals("s", first.queryId);
      assertEquals(AnswerRecord.Kind.STANDING, first.kind);
      assertEquals(AnswerRecord.Status.OK, first.status);
      assertEquals(List.of("a@10000=0.95"), describe(first.hits));
      assertEquals(NOW - 2_000, first.latencyMs, "from the clip's ingest, later than the query's (1 000)");
      assertEquals(List.of("a@30000=0.9"), describe(fired.get(1).hits));

      store.processBroadcastElement(cancel("s"), 4);
      AnswerRecord confirmed = single(answers(store));
      assertEquals(AnswerRecord.Kind.CANCEL, confirmed.kind);
      assertEquals(AnswerRecord.Status.OK, confirmed.status);
      assertEquals(NOW - 1_000, confirmed.latencyMs);
      assertFalse(store.getBroadcastState(ClipStore.STANDING_QUERIES).iterator().hasNext(), "broadcast state empty");

      store.processElement(clip("a", 40_000, 0.99, 2_000), 5);
      assertEquals(List.of(), answers(store), "a cancelled query fires no more");
    }
  }

  @Test
  void aStandingQueryFiresOncePerMomentAcrossSnapshotAndRestoreAndForgetsItsMomentsWhenCancelled() throws Exception {
    StoreSettings settings = StoreSettings.from(new Configuration());
    OperatorSubtaskState snapshot;
    try (var before = store(settings, 1, 0)) {
      before.processBroadcastElement(standing("s", 0.9f), 1);
      before.processElement(clip("a", 10_000, 0.92, 2), 2);
      AnswerRecord fired = single(answers(before));
      assertEquals(List.of("a@10000=0.92"), describe(fired.hits));
      assertEquals(List.of("a[10000, 14000)=0.92 [10000]"), describe(fired.moments));
      before.processElement(clip("a", 12_000, 0.97, 2), 2); // IoU 1/3 with a@10 000: the same moment
      before.processElement(clip("b", 12_000, 0.95, 2), 2); // another device: its own moment
      assertEquals(List.of("b[12000, 16000)=0.95 [12000]"), answers(before).stream()
          .flatMap(answer -> describe(answer.moments).stream()).toList());
      snapshot = before.snapshot(1L, 0L);
    }
    try (var restored = unopenedStore(settings)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processElement(clip("a", 14_000, 0.95, 3), 3); // continues the moment reported before the snapshot
      assertEquals(List.of(), answers(restored), "once per moment, also after a restore");
      restored.processElement(clip("a", 18_000, 0.5, 3), 3); // below the threshold
      restored.processElement(clip("a", 20_000, 0.93, 3), 3); // touches a@14 000's clip (IoU 0): a new moment
      assertEquals(List.of("a[20000, 24000)=0.93 [20000]"), describe(single(answers(restored)).moments));

      int withMoments = keyedStateEntries(restored);
      restored.processBroadcastElement(cancel("s"), 4);
      assertEquals(AnswerRecord.Kind.CANCEL, single(answers(restored)).kind);
      assertEquals(withMoments - 2, keyedStateEntries(restored), "a's and b's reported moments are gone");
      restored.processBroadcastElement(standing("s", 0.9f), 5);
      restored.processElement(clip("a", 22_000, 0.95, 5), 5); // would continue the old query's moment
      assertEquals("s", single(answers(restored)).queryId, "a new query with the old id starts afresh");
    }
  }

  @Test
  void anExpiredStandingQueryForgetsItsMoments() throws Exception {
    try (var store = store(StoreSettings.from(new Configuration()), standingLimits(10, 100, 10_000), 1, 0)) {
      store.processBroadcastElement(standing("s", 0.5f), 1); // ingested at 1 000: expires at 11 000
      store.setProcessingTime(5_000);
      store.processElement(clip("a", 0, 0.9, 5_000), 2);
      assertEquals(1, answers(store).size());
      int withMoment = keyedStateEntries(store);
      EmbeddedQuery next = standing("s-next", 0.5f);
      next.query.ingestTimeMs = 11_000;
      store.processBroadcastElement(next, 3);
      assertEquals(AnswerRecord.Status.TIMED_OUT, single(answers(store)).status);
      assertEquals(withMoment - 1, keyedStateEntries(store), "its moment on a is gone");
    }
  }

  @Test
  void cancellingAnUnknownIdIsAnErrorAnsweredByOneInstance() throws Exception {
    try (var store0 = store(StoreSettings.from(new Configuration()), 2, 0);
        var store1 = store(StoreSettings.from(new Configuration()), 2, 1)) {
      store0.processBroadcastElement(cancel("nope"), 1);
      store1.processBroadcastElement(cancel("nope"), 1);
      AnswerRecord error = single(answers(store0));
      assertEquals("nope", error.queryId);
      assertEquals(AnswerRecord.Kind.CANCEL, error.kind);
      assertEquals(AnswerRecord.Status.ERROR, error.status);
      assertTrue(error.reason.startsWith("no standing query with id \"nope\" is registered"), error.reason);
      assertEquals(List.of(), answers(store1), "subtask 0 answers for all");

      // A known id: both instances drop it, one confirms.
      store0.processBroadcastElement(standing("s", 0.5f), 2);
      store1.processBroadcastElement(standing("s", 0.5f), 2);
      store0.processBroadcastElement(cancel("s"), 3);
      store1.processBroadcastElement(cancel("s"), 3);
      assertEquals(AnswerRecord.Status.OK, single(answers(store0)).status);
      assertEquals(List.of(), answers(store1));
      assertFalse(store1.getBroadcastState(ClipStore.STANDING_QUERIES).iterator().hasNext());
    }
  }

  // ---- limits on standing queries ----

  @Test
  void standingQueriesBeyondTheJobsCapAreAnsweredErrorByOneInstance() throws Exception {
    QueryLimits limits = standingLimits(3, 100, QueryLimits.STANDING_MAX_LIFETIME_MS.defaultValue());
    try (var store0 = store(StoreSettings.from(new Configuration()), limits, 2, 0);
        var store1 = store(StoreSettings.from(new Configuration()), limits, 2, 1)) {
      for (var store : List.of(store0, store1)) {
        for (String id : List.of("s1", "s2", "s3", "s4", "s1")) {
          store.processBroadcastElement(standingWithText(id, "text of " + id), 1);
        }
      }
      AnswerRecord error = single(answers(store0));
      assertEquals("s4", error.queryId);
      assertEquals(AnswerRecord.Kind.STANDING, error.kind);
      assertEquals(AnswerRecord.Status.ERROR, error.status);
      assertEquals("standing query not registered: 3 are registered, the most " + QueryLimits.STANDING_MAX.key()
          + " (3) allows (cancel one, or raise the option)", error.reason);
      assertEquals(List.of(), answers(store1), "subtask 0 answers for all; a re-sent id only replaces its query");
      assertEquals(3, standingCount(store0));
      assertEquals(3, standingCount(store1));

      for (var store : List.of(store0, store1)) {
        store.processBroadcastElement(cancel("s2"), 2);
        store.processBroadcastElement(standingWithText("s4", "text of s4"), 3);
      }
      assertEquals(List.of(AnswerRecord.Status.OK), answers(store0).stream().map(a -> a.status).toList(),
          "the cancel's confirmation, and no error: there is room again");
      assertEquals(3, standingCount(store1));
    }
  }

  @Test
  void standingQueriesWithTheSameNormalisedTextAreCapped() throws Exception {
    try (var store = store(StoreSettings.from(new Configuration()), standingLimits(100, 2, 3_600_000), 1, 0)) {
      store.processBroadcastElement(standingWithText("s1", "Someone waves"), 1);
      store.processBroadcastElement(standingWithText("s2", "  someone   WAVES "), 1);
      store.processBroadcastElement(standingWithText("s3", "someone waves"), 1);
      store.processBroadcastElement(standingWithText("s4", "someone opens a door"), 1);
      AnswerRecord error = single(answers(store));
      assertEquals("s3", error.queryId);
      assertEquals(AnswerRecord.Status.ERROR, error.status);
      assertEquals("standing query not registered: 2 with the same text are registered, the most "
          + QueryLimits.STANDING_MAX_PER_TEXT.key() + " (2) allows (cancel one, or raise the option)", error.reason);
      assertEquals(3, standingCount(store));
    }
  }

  @Test
  void aStandingQueryStopsFiringAtItsMaxLifetimeAndIsRemovedAndAnsweredAtTheNextQuery() throws Exception {
    try (var store = store(StoreSettings.from(new Configuration()), standingLimits(1, 100, 10_000), 1, 0)) {
      store.processBroadcastElement(standing("s", 0.5f), 1); // ingested at 1 000: expires at 11 000
      store.setProcessingTime(10_999);
      store.processElement(clip("a", 0, 0.9, 10_999), 2);
      assertEquals("s", single(answers(store)).queryId);
      store.setProcessingTime(11_000);
      store.processElement(clip("a", 2_000, 0.9, 11_000), 3);
      assertEquals(List.of(), answers(store), "expired: fires no more");

      EmbeddedQuery next = standing("s-next", 0.5f);
      next.query.ingestTimeMs = 11_000;
      store.processBroadcastElement(next, 4);
      AnswerRecord expired = single(answers(store));
      assertEquals("s", expired.queryId);
      assertEquals(AnswerRecord.Kind.STANDING, expired.kind);
      assertEquals(AnswerRecord.Status.TIMED_OUT, expired.status);
      assertEquals("standing query expired: registered longer than " + QueryLimits.STANDING_MAX_LIFETIME_MS.key()
          + " (10000 ms) allows; send it again to keep watching", expired.reason);
      assertEquals(1, standingCount(store), "s is gone, so s-next fits the cap of 1");
      assertTrue(store.getBroadcastState(ClipStore.STANDING_QUERIES).contains("s-next"));
    }
  }

  @Test
  void storedClipsStandingQueriesAndEvictionTimersSurviveSnapshotAndRestore() throws Exception {
    StoreSettings settings = new StoreSettings(10_000, 1_000);
    OperatorSubtaskState snapshot;
    try (var before = store(settings, 1, 0)) {
      before.processElement(clip("a", 0, 0.5, 1), 1);
      before.processBroadcastElement(standing("s", 0.9f), 2);
      snapshot = before.snapshot(1L, 0L);
    }
    try (var restored = unopenedStore(settings)) {
      restored.initializeState(snapshot);
      restored.open();
      assertEquals(1, scored(restored, "m"), "the stored clip is back");
      restored.processElement(clip("a", 5_000, 0.95, 1), 3);
      assertEquals("s", single(answers(restored)).queryId, "the standing query is back");
      restored.watermark(19_000);
      assertEquals(0, keyedStateEntries(restored), "eviction timers are back");
      assertEquals(0, restored.numEventTimeTimers());
    }
  }

  // ---- merge timeout ----

  @Test
  void missingPartialsTimeOutIntoAPartialAnswerAndLatePartialsAreDropped() throws Exception {
    try (var merge = merge(1_000)) {
      merge.setProcessingTime(0);
      ClipHit[] hits = {new ClipHit("b", "s", 0, 4_000, 0.7f, 100), new ClipHit("b", "s", 8_000, 12_000, 0.6f, 100)};
      merge.processElement(new PartialHits("m", 1, 3, 1, 3, new ClipHit[] {hits[0]}, 2, 50), 1);
      merge.processElement(new PartialHits("m", 1, 3, 1, 3, new ClipHit[] {hits[0]}, 2, 50), 1); // a duplicate
      merge.processElement(new PartialHits("m", 2, 3, 1, 3, new ClipHit[0], 0, 50), 1);
      merge.setProcessingTime(999);
      assertEquals(List.of(), merge.extractOutputValues());

      merge.setProcessingTime(1_000);
      AnswerRecord answer = single(merge.extractOutputValues());
      assertEquals(AnswerRecord.Status.PARTIAL, answer.status);
      assertEquals(AnswerRecord.Kind.MOMENT, answer.kind);
      assertEquals("only 2 of 3 clip store instances answered within 1000 ms (missing: subtask(s) [0]); the hits are "
          + "the best among the clips of those that answered", answer.reason);
      assertEquals(List.of("b@0=0.7"), describe(answer.hits));
      assertEquals(900, answer.latencyMs);

      merge.setProcessingTime(1_500);
      merge.processElement(new PartialHits("m", 0, 3, 1, 3, new ClipHit[] {hits[1]}, 1, 50), 2);
      assertEquals(1, merge.extractOutputValues().size(), "a late partial does not answer again");
      merge.setProcessingTime(2_000);
      assertEquals(1, merge.extractOutputValues().size());
      assertEquals(0, merge.numProcessingTimeTimers());
      assertEquals(0, merge.numKeyedStateEntries(), "the late-partial guard is gone too");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> store(
      StoreSettings settings, int parallelism, int subtask) throws Exception {
    return store(settings, QueryLimits.from(new Configuration()), parallelism, subtask);
  }

  private static KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> store(
      StoreSettings settings, QueryLimits limits, int parallelism, int subtask) throws Exception {
    var harness = new KeyedBroadcastOperatorTestHarness<>(
        new CoBroadcastWithKeyedOperator<>(new ClipStore(settings, limits, MomentRules.DEFAULTS, 3),
            List.of(ClipStore.STANDING_QUERIES)),
        (EmbeddedClip c) -> c.deviceId, Types.STRING, MAX_PARALLELISM, parallelism, subtask);
    harness.open();
    return harness;
  }

  private static KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> unopenedStore(
      StoreSettings settings) throws Exception {
    return new KeyedBroadcastOperatorTestHarness<>(
        new CoBroadcastWithKeyedOperator<>(
            new ClipStore(settings, QueryLimits.from(new Configuration()), MomentRules.DEFAULTS, 3),
            List.of(ClipStore.STANDING_QUERIES)),
        (EmbeddedClip c) -> c.deviceId, Types.STRING, MAX_PARALLELISM, 1, 0);
  }

  /** The default limits but for the standing queries' count, count per text and lifetime. */
  private static QueryLimits standingLimits(int max, int maxPerText, long maxLifetimeMs) {
    Configuration conf = new Configuration();
    conf.set(QueryLimits.STANDING_MAX, max);
    conf.set(QueryLimits.STANDING_MAX_PER_TEXT, maxPerText);
    conf.set(QueryLimits.STANDING_MAX_LIFETIME_MS, maxLifetimeMs);
    return QueryLimits.from(conf);
  }

  private static EmbeddedQuery standingWithText(String id, String text) {
    EmbeddedQuery query = standing(id, 0.5f);
    query.query.text = text;
    return query;
  }

  private static int standingCount(
      KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> store) throws Exception {
    int n = 0;
    for (var ignored : store.getBroadcastState(ClipStore.STANDING_QUERIES).entries()) {
      n++;
    }
    return n;
  }

  /** The merge without refinement: its answers go out as merged. */
  private static KeyedOneInputStreamOperatorTestHarness<String, PartialHits, AnswerRecord> merge(long timeoutMs)
      throws Exception {
    return merge(timeoutMs, RefineSettings.OFF.rules());
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, PartialHits, AnswerRecord> merge(long timeoutMs,
      MomentRules rules) throws Exception {
    var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new MergeHits(timeoutMs, rules)), (PartialHits p) -> p.queryId, Types.STRING);
    harness.open();
    return harness;
  }

  /** Entries in the store's keyed state (its harness, unlike the one-input one, has no such method). */
  private static int keyedStateEntries(
      KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> store) {
    AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) store.getTwoInputOperator();
    return ((HeapKeyedStateBackend<?>) operator.getKeyedStateBackend()).numKeyValueStateEntries();
  }

  /** How many clips the store scores for a query over all devices and all time. */
  private static int scored(KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> store,
      String queryId) throws Exception {
    int before = store.extractOutputValues().size();
    store.processBroadcastElement(moment(queryId, 100, 0, 0), 1);
    List<PartialHits> out = store.extractOutputValues();
    assertEquals(before + 1, out.size());
    return out.get(out.size() - 1).clipsScored;
  }

  /** The answers on the store's side output since the last call. */
  private static List<AnswerRecord> answers(
      KeyedBroadcastOperatorTestHarness<String, EmbeddedClip, EmbeddedQuery, PartialHits> store) {
    var side = store.getSideOutput(ClipStore.ANSWERS);
    if (side == null) {
      return List.of();
    }
    List<AnswerRecord> answers = side.stream().map(StreamRecord::getValue).toList();
    side.clear();
    return answers;
  }

  /** A device id starting with {@code prefix} that Flink assigns to {@code subtask} of 2. */
  private static String deviceOn(int subtask, String prefix) {
    for (int i = 0; ; i++) {
      String id = prefix + i;
      if (KeyGroupRangeAssignment.assignKeyToParallelOperator(id, MAX_PARALLELISM, 2) == subtask) {
        return id;
      }
    }
  }

  private static List<String> describe(MomentHit[] moments) {
    return Arrays.stream(moments).map(m -> m.deviceId + "[" + m.startMs + ", " + m.endMs + ")=" + m.score + " "
        + Arrays.toString(m.clipStartsMs)).toList();
  }

  private static List<String> describe(ClipHit[] hits) {
    return Arrays.stream(hits).map(h -> h.deviceId + "@" + h.startMs + "=" + h.score).toList();
  }

  private static <T> T single(List<T> list) {
    assertEquals(1, list.size(), list.toString());
    return list.get(0);
  }
}
