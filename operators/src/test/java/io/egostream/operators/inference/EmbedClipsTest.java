package io.egostream.operators.inference;

import static io.egostream.operators.inference.TestClips.clip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.egostream.model.Clip;
import io.egostream.model.ClipEmbedding;
import io.egostream.model.EngineThreads;
import io.egostream.model.RgbFrame;
import io.egostream.model.SvittEgo;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.Jpeg;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.externalresource.ExternalResourceInfoProvider;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// The harness's close() declares Exception (javac's "try" lint warns about InterruptedException):
// closing it is the point.
@SuppressWarnings("try")
class EmbedClipsTest {
  /** The micro model takes 2 frames. */
  private static final int FRAMES = 2;

  /** The operator's model, loaded once more here to compute the expected embeddings. */
  private static SvittEgo reference;

  @BeforeAll
  static void loadReference() throws Exception {
    reference = TestClips.MODEL.load(Device.cpu());
  }

  @AfterAll
  static void closeReference() {
    reference.close();
  }

  @Test
  void aFullBatchIsEmbeddedTheMomentItFillsAndItsTimerIsDeleted() throws Exception {
    try (var harness = harness(new BatchSettings(3, 1_000), 1)) {
      harness.setProcessingTime(0);
      harness.processElement(clip("a", FRAMES, 1), 10);
      harness.processElement(clip("b", FRAMES, 2), 11);
      assertEquals(List.of(), harness.extractOutputValues());
      assertEquals(1, harness.numProcessingTimeTimers(), "the first clip of a batch sets the flush timer");

      harness.processElement(clip("c", FRAMES, 3), 12);

      assertEquals(List.of("a", "b", "c"), devices(harness.extractOutputValues()));
      assertEquals(0, harness.numProcessingTimeTimers(), "the size-triggered flush deletes the pending timer");
      assertEquals(0, harness.numKeyedStateEntries());
      harness.setProcessingTime(10_000);
      assertEquals(3, harness.extractOutputValues().size(), "nothing more when the deleted timer's time passes");
    }
  }

  @Test
  void batchesOfOneNeedNoTimer() throws Exception {
    try (var harness = harness(new BatchSettings(1, 200), 1)) {
      harness.processElement(clip("a", FRAMES, 1), 10);
      assertEquals(List.of("a"), devices(harness.extractOutputValues()));
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void theEndOfABoundedInputFlushesAWaitingBatch() throws Exception {
    try (var harness = harness(new BatchSettings(8, 200), 1)) {
      harness.setProcessingTime(1_000);
      harness.processElement(clip("a", FRAMES, 1), 10);
      harness.processElement(clip("b", FRAMES, 2), 11);
      assertEquals(1, harness.numEventTimeTimers(), "the end-of-input timer");
      harness.processWatermark(Long.MAX_VALUE); // what a bounded source sends when it is done
      assertEquals(List.of("a", "b"), devices(harness.extractOutputValues()));
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numEventTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aPartialBatchIsEmbeddedWhenMaxWaitHasPassedSinceItsFirstClip() throws Exception {
    try (var harness = harness(new BatchSettings(8, 200), 1)) {
      harness.setProcessingTime(1_000);
      harness.processElement(clip("a", FRAMES, 1), 10);
      harness.setProcessingTime(1_100);
      harness.processElement(clip("b", FRAMES, 2), 11);
      assertEquals(1, harness.numProcessingTimeTimers(), "later clips do not push the flush back");

      harness.setProcessingTime(1_199);
      assertEquals(List.of(), harness.extractOutputValues());
      harness.setProcessingTime(1_200);
      assertEquals(List.of("a", "b"), devices(harness.extractOutputValues()));
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numEventTimeTimers(), "the flush also deletes the end-of-input timer");
      assertEquals(0, harness.numKeyedStateEntries());

      harness.setProcessingTime(1_300);
      harness.processElement(clip("c", FRAMES, 3), 12);
      harness.setProcessingTime(1_500);
      assertEquals(List.of("a", "b", "c"), devices(harness.extractOutputValues()), "the next batch starts afresh");
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aHalfFullBatchSurvivesSnapshotAndRestoreWithItsTimer() throws Exception {
    BatchSettings settings = new BatchSettings(4, 200);
    OperatorSubtaskState snapshot;
    try (var before = harness(settings, 1)) {
      before.setProcessingTime(0);
      before.processElement(clip("a", FRAMES, 1), 10);
      before.processElement(clip("b", FRAMES, 2), 11);
      snapshot = before.snapshot(1L, 0L);
      assertEquals(List.of(), before.extractOutputValues());
    }

    // Restored, the timer flushes what was buffered.
    try (var restored = unopened(settings, 1)) {
      restored.initializeState(snapshot);
      restored.open();
      assertEquals(1, restored.numProcessingTimeTimers(), "the pending flush timer is part of the snapshot");
      restored.setProcessingTime(200);
      assertEquals(List.of("a", "b"), devices(restored.extractOutputValues()));
      assertEquals(0, restored.numProcessingTimeTimers());
      assertEquals(0, restored.numKeyedStateEntries());
    }

    // Restored again from the same snapshot, new clips fill the batch: each clip once, none lost.
    try (var restored = unopened(settings, 1)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processElement(clip("c", FRAMES, 3), 12);
      assertEquals(List.of(), restored.extractOutputValues());
      restored.processElement(clip("d", FRAMES, 4), 13);
      assertEquals(List.of("a", "b", "c", "d"), devices(restored.extractOutputValues()));
      assertEquals(0, restored.numProcessingTimeTimers());
      assertEquals(0, restored.numKeyedStateEntries());
      restored.setProcessingTime(1_000);
      assertEquals(4, restored.extractOutputValues().size());
    }
  }

  @Test
  void aBadClipGoesToTheSideOutputAndTheRestOfItsBatchIsEmbedded() throws Exception {
    ClipRecord corrupt = clip("corrupt", FRAMES, 2);
    corrupt.jpegs[1] = Arrays.copyOf(corrupt.jpegs[1], 20); // a truncated JPEG
    ClipRecord tooShort = clip("too-short", 1, 3);
    ClipRecord a = clip("a", FRAMES, 1);
    ClipRecord d = clip("d", FRAMES, 4);

    try (var harness = harness(new BatchSettings(4, 200), 1)) {
      for (ClipRecord c : List.of(a, corrupt, tooShort, d)) {
        harness.processElement(c, 10);
      }

      List<EmbeddedClip> out = harness.extractOutputValues();
      assertEquals(List.of("a", "d"), devices(out));
      assertMatchesModelOneByOne(a, out.get(0));
      assertMatchesModelOneByOne(d, out.get(1));

      List<RejectedClip> rejected = harness.getSideOutput(EmbedClips.REJECTED).stream()
          .map(StreamRecord::getValue).toList();
      assertEquals(2, rejected.size());
      assertEquals("corrupt", rejected.get(0).clip.deviceId);
      assertTrue(rejected.get(0).reason.startsWith("frame 1 of 2 does not decode"), rejected.get(0).reason);
      assertEquals("too-short", rejected.get(1).clip.deviceId);
      assertTrue(rejected.get(1).reason.startsWith("clip has 1 frames but model svitt-ego-micro"),
          rejected.get(1).reason);
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aBatchOfOnlyBadClipsEmitsNothingButTheRejections() throws Exception {
    ClipRecord noFrames = clip("none", FRAMES, 1);
    noFrames.jpegs = null;
    try (var harness = harness(new BatchSettings(2, 200), 1)) {
      harness.processElement(noFrames, 10);
      harness.processElement(clip("three", 3, 2), 11);
      assertEquals(List.of(), harness.extractOutputValues());
      assertEquals(2, harness.getSideOutput(EmbedClips.REJECTED).size());
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  /**
   * A model that cannot take frames 13 pixels wide (fault injection: no real input makes the real model throw once
   * the operator's own checks passed; the preprocessor resizes any frame size).
   */
  private static final EmbedClips.ClipEmbedder FAILS_ON_NARROW_FRAMES = (model, clips, keepRate) -> {
    for (Clip clip : clips) {
      if (clip.frames().get(0).width() == 13) {
        throw new IllegalStateException("cannot take frames 13 pixels wide");
      }
    }
    return model.embedClips(clips, keepRate);
  };

  @Test
  void aClipTheModelFailsOnIsRejectedAloneAfterItsBatchIsRetriedClipByClip() throws Exception {
    ClipRecord a = clip("a", FRAMES, 1);
    ClipRecord narrow = narrowClip("narrow", 2);
    ClipRecord c = clip("c", FRAMES, 3);
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(
            new EmbedClips(TestClips.MODEL, new BatchSettings(3, 200), AdaptiveSettings.defaults(),
                FAILS_ON_NARROW_FRAMES)),
        (ClipRecord r) -> EmbedClips.lane(r.deviceId, 1), Types.INT, environmentWith(metrics))) {
      harness.open();
      harness.processElement(a, 10);
      harness.processElement(narrow, 11);
      harness.processElement(c, 12);

      List<EmbeddedClip> out = harness.extractOutputValues();
      assertEquals(List.of("a", "c"), devices(out));
      assertMatchesModelOneByOne(a, out.get(0));
      assertMatchesModelOneByOne(c, out.get(1));
      List<RejectedClip> rejected = harness.getSideOutput(EmbedClips.REJECTED).stream()
          .map(StreamRecord::getValue).toList();
      assertEquals(1, rejected.size());
      assertEquals("narrow", rejected.get(0).clip.deviceId);
      assertEquals("model failed on this clip alone: IllegalStateException: cannot take frames 13 pixels wide",
          rejected.get(0).reason);
      assertEquals(1, ((Counter) metrics.get("batchesRetried")).getCount());
      assertEquals(1, ((Counter) metrics.get("clipsFailed")).getCount());
      assertEquals(0, ((Counter) metrics.get("rejectedClips")).getCount(), "rejected before the model: none");
      assertEquals(2, ((Meter) metrics.get("clipsPerSecond")).getCount());
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numEventTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aModelThatFailsOnEveryClipRejectsThemAllAndTheTaskGoesOn() throws Exception {
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(
            new EmbedClips(TestClips.MODEL, new BatchSettings(2, 200), AdaptiveSettings.defaults(),
                FAILS_ON_NARROW_FRAMES)),
        (ClipRecord r) -> EmbedClips.lane(r.deviceId, 1), Types.INT)) {
      harness.open();
      harness.processElement(narrowClip("n1", 1), 10);
      harness.processElement(narrowClip("n2", 2), 11);
      harness.processElement(clip("after", FRAMES, 3), 12);
      harness.setProcessingTime(200);

      assertEquals(List.of("after"), devices(harness.extractOutputValues()));
      assertEquals(2, harness.getSideOutput(EmbedClips.REJECTED).size());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void embeddingsEqualTheModelsOneByOneAndCarryTheClipsFields() throws Exception {
    List<ClipRecord> clips = List.of(clip("a", FRAMES, 1), clip("b", FRAMES, 2), clip("c", FRAMES, 3));
    try (var harness = harness(new BatchSettings(3, 200), 1)) {
      for (ClipRecord c : clips) {
        harness.processElement(c, 10);
      }
      List<EmbeddedClip> out = harness.extractOutputValues();
      assertEquals(3, out.size());
      for (int i = 0; i < clips.size(); i++) {
        ClipRecord in = clips.get(i);
        EmbeddedClip e = out.get(i);
        assertMatchesModelOneByOne(in, e);
        assertEquals(in.deviceId, e.deviceId);
        assertEquals(in.sessionId, e.sessionId);
        assertEquals(in.startMs, e.startMs);
        assertEquals(in.endMs, e.endMs);
        assertArrayEquals(in.frameTimesMs, e.frameTimesMs);
        assertEquals(in.ingestTimeMs, e.ingestTimeMs);
        assertEquals(reference.modelId(), e.modelId);
      }
      assertNotEquals(out.get(0).embedding[0], out.get(1).embedding[0], "different clips, different embeddings");
    }
  }

  @Test
  void embeddingsCarryTheClipsEmitTimeAndTheirBatchsInferenceTimes() throws Exception {
    try (var harness = harness(new BatchSettings(2, 200), 1)) {
      ClipRecord a = clip("a", FRAMES, 1);
      a.emitTimeMs = 900;
      ClipRecord b = clip("b", FRAMES, 2);
      b.emitTimeMs = 1_100;
      harness.setProcessingTime(1_000);
      harness.processElement(a, 10);
      harness.setProcessingTime(1_150);
      harness.processElement(b, 11); // fills the batch: it runs now (the test's clock stands still during the call)

      List<EmbeddedClip> out = harness.extractOutputValues();
      assertEquals(List.of(900L, 1_100L), out.stream().map(e -> e.emitTimeMs).toList());
      for (EmbeddedClip e : out) {
        assertEquals(1_150, e.inferenceStartMs, "when the batch began");
        assertEquals(1_150, e.inferenceEndMs, "when the model returned");
        assertTrue(e.emitTimeMs <= e.inferenceStartMs && e.inferenceStartMs <= e.inferenceEndMs);
      }
    }
  }

  @Test
  void eachLaneBatchesOnItsOwn() throws Exception {
    String lane0 = deviceInLane(0);
    String lane1 = deviceInLane(1);
    try (var harness = harness(new BatchSettings(2, 200), 2)) {
      harness.setProcessingTime(0);
      harness.processElement(clip(lane0, FRAMES, 1), 10);
      harness.processElement(clip(lane1, FRAMES, 2), 11);
      assertEquals(List.of(), harness.extractOutputValues());
      assertEquals(2, harness.numProcessingTimeTimers());

      harness.processElement(clip(lane0, FRAMES, 3), 12);
      assertEquals(List.of(lane0, lane0), devices(harness.extractOutputValues()));
      assertEquals(1, harness.numProcessingTimeTimers());

      harness.setProcessingTime(200);
      assertEquals(List.of(lane0, lane0, lane1), devices(harness.extractOutputValues()));
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void metricsDescribeTheBatchesAndATaskWithAGpuPyTorchCannotSeeRunsOnTheCpu() throws Exception {
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    var task = new UnregisteredMetricGroups.UnregisteredTaskMetricGroup() {
      @Override
      public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name, Map<String, String> vars) {
        return metrics;
      }
    };
    // The task has GPU 0, which the CPU libtorch here cannot see: DeviceSelection falls back to the CPU.
    ExternalResourceInfoProvider gpus = name -> name.equals("gpu") ? Set.of(gpu("0")) : Set.of();
    MockEnvironment environment = new MockEnvironmentBuilder()
        .setMetricGroup(task)
        .setExternalResourceInfoProvider(gpus)
        .build();

    try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedClips(TestClips.MODEL, new BatchSettings(3, 200))),
        (ClipRecord c) -> EmbedClips.lane(c.deviceId, 1), Types.INT, environment)) {
      harness.open();
      harness.setProcessingTime(0);
      harness.processElement(clip("a", FRAMES, 1), 10);
      harness.setProcessingTime(50);
      harness.processElement(clip("bad", 1, 2), 11);
      harness.processElement(clip("c", FRAMES, 3), 12);

      assertEquals(2, harness.extractOutputValues().size());
      Histogram batchSize = (Histogram) metrics.get("batchSize");
      assertEquals(1, batchSize.getCount());
      assertEquals(2, batchSize.getStatistics().getMax(), "the model ran on the two good clips");
      Histogram queueWait = (Histogram) metrics.get("queueWaitMs");
      assertEquals(3, queueWait.getCount());
      assertEquals(50, queueWait.getStatistics().getMax(), "the first clip waited from 0 to the flush at 50");
      assertEquals(0, queueWait.getStatistics().getMin());
      assertEquals(1, ((Histogram) metrics.get("inferenceLatencyMs")).getCount());
      assertEquals(2, ((Meter) metrics.get("clipsPerSecond")).getCount());
      assertEquals(1, ((Counter) metrics.get("rejectedClips")).getCount());
      // micro prunes 32 patch tokens to 23, then 17.
      assertEquals(17.0 / 32, (Double) ((Gauge<?>) metrics.get("keptTokenRatio")).getValue(), 1e-9);
      assertEquals("cpu()", ((Gauge<?>) metrics.get("inferenceDevice")).getValue(), "GPU 0 is not visible here");
      assertEquals(-1, ((Gauge<?>) metrics.get("inferenceGpu")).getValue());
    }
  }

  @Test
  void laneKeysSpreadTheLanesEvenlyOverTheParallelInstances() {
    for (int parallelism = 1; parallelism <= 8; parallelism++) {
      for (int lanes : new int[] {parallelism, 2 * parallelism, 3 * parallelism + 1}) {
        int[] keys = EmbedClips.laneKeys(lanes, parallelism, 0);
        int max = KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
        for (int i = 0; i < lanes; i++) {
          assertEquals(i % parallelism, KeyGroupRangeAssignment.assignKeyToParallelOperator(keys[i], max, parallelism),
              "lane " + i + " of " + lanes + " at parallelism " + parallelism);
        }
        assertEquals(lanes, Arrays.stream(keys).distinct().count(), "one key per lane");
      }
    }
    // The lane numbers as keys, as before: at parallelism 2 every one of 4 lanes went to the second instance.
    for (int lane = 0; lane < 4; lane++) {
      assertEquals(1, KeyGroupRangeAssignment.assignKeyToParallelOperator(lane, 128, 2));
    }
    int[] withMax = EmbedClips.laneKeys(4, 2, 256);
    for (int i = 0; i < 4; i++) {
      assertEquals(i % 2, KeyGroupRangeAssignment.assignKeyToParallelOperator(withMax[i], 256, 2));
    }
  }

  @Test
  void openingSetsLibtorchsIntraOpThreadsForTheProcess() throws Exception {
    int before = EngineThreads.get();
    try {
      for (int threads : new int[] {1, 2}) {
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new EmbedClips(TestClips.MODEL.withThreads(threads), new BatchSettings(1, 1))),
            (ClipRecord c) -> EmbedClips.lane(c.deviceId, 1), Types.INT)) {
          harness.open();
          assertEquals(threads, EngineThreads.get());
        }
      }
      try (var harness = harness(new BatchSettings(1, 1), 1)) {
        assertEquals(EngineThreads.defaultCount(), EngineThreads.get(), "0, the default: processors - 1, at least 1");
      }
    } finally {
      EngineThreads.set(before);
    }
  }

  @Test
  void withAdaptiveSparsityOffEveryClipRunsAtTheModelsKeepRateHoweverLateItIs() throws Exception {
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedClips(TestClips.MODEL, new BatchSettings(1, 200))),
        (ClipRecord r) -> EmbedClips.lane(r.deviceId, 1), Types.INT, environmentWith(metrics))) {
      harness.open();
      for (int i = 0; i < 6; i++) {
        long now = 100_000 + 1_000L * i;
        harness.setProcessingTime(now);
        harness.processElement(clipEndingAt("late-" + i, i, now - 3_600_000), 10); // an hour late
      }
      List<EmbeddedClip> out = harness.extractOutputValues();
      assertEquals(6, out.size());
      for (EmbeddedClip e : out) {
        assertEquals(reference.config().keepRate(), e.keepRate);
        assertArrayEquals(new int[] {32, 23, 17}, Arrays.stream(e.keptTokens).mapToInt(s -> s.length).toArray());
      }
      assertEquals(reference.config().keepRate(), ((Gauge<?>) metrics.get("keepRate")).getValue());
    }
  }

  @Test
  void adaptiveSparsityLowersTheKeepRateStepByStepToTheFloorUnderLateClipsAndRaisesItBackWhenTheyAreOnTime()
      throws Exception {
    // Micro's own q_v is 0.7; steps of 0.2 down to 0.3; down above 750 ms of age, up under 500 ms; 500 ms apart.
    AdaptiveSettings adaptive = new AdaptiveSettings(true, 1_000, 0.3f, 0.2f, 500);
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedClips(TestClips.MODEL, new BatchSettings(1, 200), adaptive)),
        (ClipRecord r) -> EmbedClips.lane(r.deviceId, 1), Types.INT, environmentWith(metrics))) {
      harness.open();
      Gauge<?> gauge = (Gauge<?>) metrics.get("keepRate");
      assertEquals(0.7f, gauge.getValue());

      // {processing time, age of the clip at that time, the q_v expected for it}
      long[][] script = {
          {100_000, 60_000, 70}, // a clip cut for an MCQ choice: its range is old on purpose, it does not count
          {100_000, 5_000, 50}, // late: one step down at once
          {100_100, 5_000, 50}, // late again, but within 500 ms of the change: hold
          {100_600, 5_000, 30}, // late: the next step, to the floor
          {101_200, 5_000, 30}, // late: not under the floor
          {102_000, 600, 30}, // between 500 and 750 ms: hold (hysteresis)
          {103_000, 100, 50}, // on time: one step up
          {103_100, 100, 50}, // within 500 ms of the change: hold
          {103_600, 100, 70}, // up again, to the model's own
          {104_200, 100, 70}, // not above it
      };
      for (int i = 0; i < script.length; i++) {
        harness.setProcessingTime(script[i][0]);
        ClipRecord clip = clipEndingAt("d" + i, i, script[i][0] - script[i][1]);
        if (i == 0) {
          clip.requestQueryId = "q1";
          clip.requestChoice = 0;
        }
        harness.processElement(clip, 10);
        List<EmbeddedClip> out = harness.extractOutputValues();
        EmbeddedClip e = out.get(out.size() - 1);
        float expected = script[i][2] / 100f;
        assertEquals(expected, e.keepRate, "step " + i);
        assertEquals(expected, gauge.getValue(), "step " + i);
        ClipEmbedding alone = reference.embedClips(List.of(TestClips.decoded(clip)), expected).get(0);
        assertArrayEquals(alone.vector(), e.embedding, 1e-5f, "step " + i + " ran at the q_v it carries");
        assertTrue(Arrays.deepEquals(alone.keptTokens(), e.keptTokens), "step " + i);
      }
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void adaptiveSparsityWeighsTheAgeClipsWillHaveWhenTheModelIsDoneWithThem() throws Exception {
    // Down above 750 ms, up under 500 ms, no wait between changes; a model taking 400 ms of processing time a batch.
    AdaptiveSettings adaptive = new AdaptiveSettings(true, 1_000, 0.3f, 0.2f, 0);
    List<KeyedOneInputStreamOperatorTestHarness<Integer, ClipRecord, EmbeddedClip>> running = new ArrayList<>();
    EmbedClips.ClipEmbedder slow = (model, clips, keepRate) -> {
      var harness = running.get(0);
      try {
        harness.setProcessingTime(harness.getProcessingTime() + 400);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return model.embedClips(clips, keepRate);
    };
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedClips(TestClips.MODEL, new BatchSettings(1, 200), adaptive, slow)),
        (ClipRecord r) -> EmbedClips.lane(r.deviceId, 1), Types.INT)) {
      running.add(harness);
      harness.open();
      // {processing time, age of the clip then, the q_v expected}: the age weighed is that plus the last batch's 400 ms
      long[][] script = {
          {100_000, 600, 70}, // no batch yet: 600 ms, between the thresholds, hold
          {101_000, 600, 50}, // 600 + 400 = 1000 ms when the model is done: late, one step down
          {102_000, 200, 50}, // 200 + 400: between the thresholds, hold (200 alone would raise it)
          {103_000, 50, 70}, // 50 + 400 = 450: on time, one step up
      };
      for (int i = 0; i < script.length; i++) {
        harness.setProcessingTime(script[i][0]);
        harness.processElement(clipEndingAt("d" + i, i, script[i][0] - script[i][1]), 10);
        List<EmbeddedClip> out = harness.extractOutputValues();
        assertEquals(script[i][2] / 100f, out.get(out.size() - 1).keepRate, "step " + i);
      }
    }
  }

  @Test
  void bufferedClipsAndRejectionsUseFlinksPojoSerializerNotKryo() {
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(ClipRecord.class));
    assertInstanceOf(PojoTypeInfo.class, EmbedClips.REJECTED.getTypeInfo());
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(EmbeddedClip.class));
  }

  @Test
  void theFunctionSerializesWithoutItsModel() throws Exception {
    EmbedClips function = new EmbedClips(TestClips.MODEL, BatchSettings.from(new Configuration()));
    assertNotNull(InstantiationUtil.clone(function));
  }

  @Test
  void laneIsAStableHashOfTheDeviceModuloTheLanes() {
    assertEquals(Math.floorMod("wearable-17".hashCode(), 5), EmbedClips.lane("wearable-17", 5));
    for (int i = 0; i < 100; i++) {
      int lane = EmbedClips.lane("device-" + i, 3);
      assertTrue(lane >= 0 && lane < 3);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbedClips.lane("a", 0));
    assertTrue(e.getMessage().startsWith("Invalid value 0 for inference.lanes"), e.getMessage());
  }

  /** A clip of random frames whose range ends at {@code endMs}. */
  private static ClipRecord clipEndingAt(String deviceId, long seed, long endMs) {
    ClipRecord record = clip(deviceId, FRAMES, seed);
    record.startMs = endMs - 2_000;
    record.endMs = endMs;
    return record;
  }

  /** A clip whose frames are 13 × 40 pixels. */
  private static ClipRecord narrowClip(String deviceId, long seed) {
    ClipRecord record = clip(deviceId, FRAMES, seed);
    for (int f = 0; f < FRAMES; f++) {
      record.jpegs[f] = Jpeg.encode(new RgbFrame(13, 40, new byte[13 * 40 * 3]));
    }
    return record;
  }

  /** A task environment whose operator metrics land in {@code metrics}. */
  private static MockEnvironment environmentWith(InterceptingOperatorMetricGroup metrics) {
    var task = new UnregisteredMetricGroups.UnregisteredTaskMetricGroup() {
      @Override
      public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name, Map<String, String> vars) {
        return metrics;
      }
    };
    return new MockEnvironmentBuilder().setMetricGroup(task).build();
  }

  /** An open harness keyed by {@link EmbedClips#lane} over {@code lanes} lanes. */
  private static KeyedOneInputStreamOperatorTestHarness<Integer, ClipRecord, EmbeddedClip> harness(
      BatchSettings settings, int lanes) throws Exception {
    var harness = unopened(settings, lanes);
    harness.open();
    return harness;
  }

  /** A harness still to be opened, for a restore. */
  private static KeyedOneInputStreamOperatorTestHarness<Integer, ClipRecord, EmbeddedClip> unopened(
      BatchSettings settings, int lanes) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedClips(TestClips.MODEL, settings)),
        (ClipRecord c) -> EmbedClips.lane(c.deviceId, lanes), Types.INT);
  }

  private static void assertMatchesModelOneByOne(ClipRecord in, EmbeddedClip out) {
    ClipEmbedding alone = reference.embedClips(List.of(TestClips.decoded(in))).get(0);
    assertArrayEquals(alone.vector(), out.embedding, 1e-5f, "a batch embeds each clip as it would alone");
    assertTrue(Arrays.deepEquals(alone.keptTokens(), out.keptTokens), "same kept tokens as alone");
  }

  private static List<String> devices(List<EmbeddedClip> out) {
    return out.stream().map(e -> e.deviceId).toList();
  }

  private static String deviceInLane(int lane) {
    for (int i = 0; ; i++) {
      if (EmbedClips.lane("device-" + i, 2) == lane) {
        return "device-" + i;
      }
    }
  }

  private static ExternalResourceInfo gpu(String index) {
    return new ExternalResourceInfo() {
      @Override
      public Optional<String> getProperty(String key) {
        return key.equals(DeviceSelection.INDEX_PROPERTY) ? Optional.of(index) : Optional.empty();
      }

      @Override
      public java.util.Collection<String> getKeys() {
        return Set.of(DeviceSelection.INDEX_PROPERTY);
      }
    };
  }
}
