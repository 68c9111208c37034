package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.mcq.ChoiceRequest;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.FrameRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClipBuilderTest {
  /** A window start (a multiple of the 2 s stride); every time in these tests is relative to it. */
  private static final long T0 = 1_700_000_000_000L;
  private static final ClipSettings SETTINGS = ClipSettings.defaults(); // 4 s clips, 2 s stride, 4 frames
  private static final byte[] JPEG = TestSupport.jpeg(8, 6);

  private TestSupport.Metrics metrics;
  private MockEnvironment environment;
  private KeyedTwoInputHarness<String, FrameRecord, ChoiceRequest, ClipRecord> harness;

  @BeforeEach
  void openHarness() throws Exception {
    harness = open(SETTINGS, null);
  }

  @AfterEach
  void closeHarness() throws Exception {
    harness.close();
    environment.close();
  }

  @Test
  void inOrderFramesMakeAlignedWindowsOfUniformlySampledFrames() throws Exception {
    for (long t = 0; t <= 7_500; t += 500) { // 16 frames, 2 a second
      process(frame("glasses-1", t));
    }

    watermark(3_999); // the last millisecond of [0, 4000): it and [-2000, 2000) are complete
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500"),
        clips());

    watermark(7_999);
    assertEquals(List.of("glasses-1 [2000, 6000) 2500 3500 4500 5500", "glasses-1 [4000, 8000) 4500 5500 6500 7500"),
        clips());

    ClipRecord last = emitted(11_999).get(0);
    assertEquals("glasses-1 [6000, 10000) 6000 6500 7000 7500", describe(last));
    assertEquals("session-1", last.sessionId);
    assertEquals(T0 + 7_500 + 10, last.ingestTimeMs, "ingest time of the newest frame used");
    assertEquals(4, last.jpegs.length);
    assertArrayEquals(JPEG, last.jpegs[3]);
    assertEquals(0, metrics.count("clipsSkippedTooFewFrames"));
  }

  @Test
  void outOfOrderFramesWithinTheBoundAreUsed() throws Exception {
    process(frame("glasses-1", 500));
    process(frame("glasses-1", 2_500));
    process(frame("glasses-1", 3_500));
    watermark(1_499); // what a 2 s bound emits after 3500
    process(frame("glasses-1", 1_500)); // 2 s behind the newest frame, still ahead of the watermark

    watermark(3_999);
    assertEquals(List.of("glasses-1 [0, 4000) 500 1500 2500 3500"), clips());
    assertEquals(0, metrics.count("lateFrames"));
  }

  @Test
  void framesAtOrBehindTheWatermarkGoToTheLateOutput() throws Exception {
    watermark(5_000);
    process(frame("glasses-1", 4_000));
    process(frame("glasses-1", 5_000)); // at the watermark: late too
    process(frame("glasses-1", 5_001));

    List<Long> late = harness.getSideOutput(ClipBuilder.LATE).stream()
        .map(r -> r.getValue().captureTimeMs - T0).collect(Collectors.toList());
    assertEquals(List.of(4_000L, 5_000L), late);
    assertEquals(2, metrics.count("lateFrames"));
    assertEquals(List.of(), clips());
  }

  @Test
  void aWindowWithTooFewFramesIsAGap() throws Exception {
    process(frame("glasses-1", 4_500));
    process(frame("glasses-1", 5_000));
    process(frame("glasses-1", 5_500)); // 3 frames in [2000, 6000) and in [4000, 8000), 4 needed

    watermark(9_999);
    assertEquals(List.of(), clips());
    assertEquals(2, metrics.count("clipsSkippedTooFewFrames"));
  }

  @Test
  void devicesAreIndependent() throws Exception {
    for (long t = 0; t < 4_000; t += 500) {
      process(frame("glasses-1", t));
    }
    for (long t = 1_000; t < 4_000; t += 1_000) {
      process(frame("glasses-2", t)); // 3 frames: not enough for a clip
    }
    process(frame("glasses-2", 5_000));

    watermark(3_999);
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500"),
        clips());
    assertEquals(2, metrics.count("clipsSkippedTooFewFrames"), "glasses-2's [-2000, 2000) and [0, 4000)");
  }

  @Test
  void aSilentDevicesLastWindowsFireWhenTheWatermarkAdvances() throws Exception {
    for (long t = 0; t < 4_000; t += 500) {
      process(frame("glasses-1", t));
    }
    watermark(3_999);
    clips();

    // Nothing more from this device; the watermark moves on (other devices, or idleness).
    watermark(60_000);
    assertEquals(List.of("glasses-1 [2000, 6000) 2000 2500 3000 3500"), clips());
  }

  @Test
  void stateAndTimersAreEmptyOnceEverythingFiredAndRetentionPassed() throws Exception {
    for (long t = 0; t < 8_000; t += 500) {
      process(frame("glasses-1", t));
      process(frame("glasses-2", t + 250));
    }
    assertTrue(harness.numKeyedStateEntries() > 0);
    assertTrue(harness.numEventTimeTimers() > 0);

    // Frames stay after their windows fired, for exact-range requests, until retention passes...
    watermark(7_750 + SETTINGS.frameRetentionMs() - 1);
    assertEquals(10, harness.extractOutputValues().size());
    assertTrue(harness.numKeyedStateEntries() > 0, "the newest frames are not yet past retention");

    // ...and at most one stride later, nothing is left.
    watermark(7_750 + SETTINGS.frameRetentionMs() + SETTINGS.strideMs());
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
  }

  @Test
  void aDuplicateCaptureTimeKeepsTheFirstFrame() throws Exception {
    for (long t = 0; t < 4_000; t += 1_000) {
      process(frame("glasses-1", t));
    }
    FrameRecord duplicate = frame("glasses-1", 2_000);
    duplicate.jpeg = TestSupport.jpeg(16, 12);
    process(duplicate);

    ClipRecord clip = emitted(3_999).get(0); // [-2000, 2000) has 2 frames: a gap
    assertEquals("glasses-1 [0, 4000) 0 1000 2000 3000", describe(clip));
    assertArrayEquals(JPEG, clip.jpegs[2]);
    assertEquals(1, metrics.count("duplicateFrames"));
  }

  @Test
  void aClipAcrossARestartCarriesTheNewestSession() throws Exception {
    process(frame("glasses-1", 0));
    process(frame("glasses-1", 1_000));
    process(frame("glasses-1", 2_000, "session-2"));
    process(frame("glasses-1", 3_000, "session-2"));

    ClipRecord clip = emitted(3_999).get(0); // [-2000, 2000) has 2 frames: a gap
    assertEquals("glasses-1 [0, 4000) 0 1000 2000 3000", describe(clip));
    assertEquals("session-2", clip.sessionId);
  }

  @Test
  void belowFramesPerClipSparseWindowsRepeatFrames() throws Exception {
    harness.close();
    environment.close();
    harness = open(new ClipSettings(4_000, 2_000, 4, 2, 120_000), null);
    process(frame("glasses-1", 400));
    process(frame("glasses-1", 3_000));

    assertEquals("glasses-1 [0, 4000) 400 400 3000 3000", describe(emitted(3_999).get(0)));
  }

  @Test
  void aRestoredSnapshotKeepsTheBufferedFrames() throws Exception {
    process(frame("glasses-1", 0));
    process(frame("glasses-1", 1_000));
    OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 1_500);
    harness.close();
    environment.close();

    harness = open(SETTINGS, snapshot);
    process(frame("glasses-1", 2_000));
    process(frame("glasses-1", 3_000));
    List<ClipRecord> clips = emitted(3_999);
    assertEquals("glasses-1 [0, 4000) 0 1000 2000 3000", describe(clips.get(0)));
    assertArrayEquals(JPEG, clips.get(0).jpegs[0]);
  }

  // ----- choice requests (exact ranges for MCQ choices) ---------------------------------------------------------

  @Test
  void aRequestWhoseFramesAreFinalIsServedAtOnceWithATaggedClip() throws Exception {
    for (long t = 0; t <= 7_500; t += 500) {
      process(frame("glasses-1", t));
    }
    watermark(9_999);
    harness.getOutput().clear(); // the window clips

    request("q1", 2, "glasses-1", 1_000, 5_000, 0);

    List<ClipRecord> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    ClipRecord clip = out.get(0);
    assertEquals("glasses-1 [1000, 5000) 1500 2500 3500 4500", describe(clip), "uniform inside exactly the range");
    assertEquals("q1", clip.requestQueryId);
    assertEquals(2, clip.requestChoice);
    assertTrue(clip.isRequestClip());
    assertEquals(T0 + 4_500 + 10, clip.ingestTimeMs);
    assertEquals(1, metrics.count("choiceClipsBuilt"));
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void aRequestForTheFutureWaitsForTheWatermarkToPassItsEnd() throws Exception {
    for (long t = 0; t <= 3_000; t += 500) {
      process(frame("glasses-1", t));
    }
    request("q1", 0, "glasses-1", 2_300, 6_300, T0 + 60_000);
    assertEquals(List.of(), requestClips());
    assertEquals(1, harness.numProcessingTimeTimers(), "the request's expiry");

    for (long t = 3_500; t <= 8_000; t += 500) {
      process(frame("glasses-1", t));
    }
    watermark(6_298); // a frame at 6299 could still come
    assertEquals(List.of(), requestClips());

    watermark(6_299); // the range's last millisecond: its frames are final
    assertEquals(List.of("q1#0 glasses-1 [2300, 6300) 3000 4000 5000 6000"), requestClips());
    assertEquals(0, harness.numProcessingTimeTimers(), "the expiry timer goes with the served request");
    assertTrue(harness.getSideOutput(ClipBuilder.UNSERVED) == null);
  }

  @Test
  void aRequestEndingOnTheWindowGridSharesTheWindowsTimer() throws Exception {
    request("q1", 4, "glasses-1", 0, 4_000, 0);
    for (long t = 0; t < 4_000; t += 1_000) {
      process(frame("glasses-1", t));
    }
    watermark(3_999);
    assertEquals(List.of("glasses-1 [0, 4000) 0 1000 2000 3000", "q1#4 glasses-1 [0, 4000) 0 1000 2000 3000"),
        harness.extractOutputValues().stream().map(ClipBuilderTest::describeTagged).sorted()
            .collect(Collectors.toList()));
  }

  @Test
  void aRequestWhoseFramesHaveAgedOutGoesToTheFallback() throws Exception {
    for (long t = 0; t < 8_000; t += 500) {
      process(frame("glasses-1", t));
    }
    watermark(10_000 + SETTINGS.frameRetentionMs()); // retained from 10000 on

    request("q1", 1, "glasses-1", 6_000, 10_000, 0);

    assertEquals(List.of(), requestClips());
    List<ChoiceRequest> unserved = unserved();
    assertEquals(1, unserved.size());
    assertEquals("q1", unserved.get(0).queryId);
    assertEquals(1, unserved.get(0).choice);
    assertTrue(unserved.get(0).reason.startsWith("frames aged out"), unserved.get(0).reason);
    assertEquals(1, metrics.count("choiceRequestsUnserved"));
  }

  @Test
  void aRequestWithTooFewFramesGoesToTheFallback() throws Exception {
    process(frame("glasses-1", 1_000));
    process(frame("glasses-1", 2_000));
    request("q1", 3, "glasses-1", 0, 4_000, 0);

    watermark(3_999);
    List<ChoiceRequest> unserved = unserved();
    assertEquals(1, unserved.size());
    assertEquals("too few frames in range: 2, a clip needs 4", unserved.get(0).reason);
  }

  @Test
  void aRequestStillWaitingAtItsExpiryIsGivenUpAndLeavesNothingBehind() throws Exception {
    harness.setProcessingTime(T0);
    request("q1", 0, "glasses-1", 1_000, 5_500, T0 + 30_000); // ends off the grid: a timer of its own
    assertEquals(1, harness.numEventTimeTimers());
    assertEquals(1, harness.numProcessingTimeTimers());

    harness.setProcessingTime(T0 + 30_000); // event time stalled: the watermark never came

    List<ChoiceRequest> unserved = unserved();
    assertEquals(1, unserved.size());
    assertTrue(unserved.get(0).reason.startsWith("gave up at wall-clock"), unserved.get(0).reason);
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers(), "the request's own event-time timer is deleted with it");
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void stateAndTimersAreEmptyOnceWaitingRequestsAreServed() throws Exception {
    harness.setProcessingTime(T0);
    request("q1", 0, "glasses-2", 500, 2_500, T0 + 60_000); // a device that never sends a frame
    request("q1", 1, "glasses-2", 700, 2_500, T0 + 60_000); // same end, same expiry: shared timers
    request("q2", 0, "glasses-2", 800, 3_100, T0 + 90_000);
    assertEquals(2, harness.numEventTimeTimers());
    assertEquals(2, harness.numProcessingTimeTimers());

    watermark(2_499);
    assertEquals(2, unserved().size());
    assertEquals(1, harness.numProcessingTimeTimers(), "q2's expiry is still needed");
    watermark(3_099);
    assertEquals(3, unserved().size());

    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void anEmptyRangeIsUnservedAtOnce() throws Exception {
    request("q1", 0, "glasses-1", 4_000, 4_000, 0);
    assertEquals(1, unserved().size());
    assertEquals(0, harness.numKeyedStateEntries());
  }

  @Test
  void aWaitingRequestSurvivesASnapshot() throws Exception {
    for (long t = 0; t <= 3_000; t += 1_000) {
      process(frame("glasses-1", t));
    }
    request("q1", 0, "glasses-1", 0, 3_500, 0);
    OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 3_200);
    harness.close();
    environment.close();

    harness = open(SETTINGS, snapshot);
    watermark(3_499);
    assertEquals(List.of("q1#0 glasses-1 [0, 3500) 0 1000 2000 3000"), requestClips());
  }

  @Test
  void framesAreFlinkPojosSoStateNeverFallsBackToKryo() {
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(FrameRecord.class));
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(ClipRecord.class));
  }

  // ---------------------------------------------------------------------------------------------------------------

  private KeyedTwoInputHarness<String, FrameRecord, ChoiceRequest, ClipRecord> open(ClipSettings settings,
      OperatorSubtaskState restoreFrom) throws Exception {
    metrics = new TestSupport.Metrics();
    environment = metrics.environment();
    KeyedTwoInputHarness<String, FrameRecord, ChoiceRequest, ClipRecord> opened =
        new KeyedTwoInputHarness<>(new KeyedCoProcessOperator<>(new ClipBuilder(settings)),
            frame -> frame.deviceId, request -> request.deviceId, Types.STRING, environment);
    if (restoreFrom != null) {
      opened.initializeState(restoreFrom);
    }
    opened.open();
    return opened;
  }

  private static FrameRecord frame(String device, long t) {
    return frame(device, t, "session-1");
  }

  private static FrameRecord frame(String device, long t, String session) {
    // ingest time: 10 ms after capture, so that "the newest ingest time" is checkable
    return new FrameRecord(device, session, T0 + t, t / 100, 8, 6, JPEG, T0 + t + 10);
  }

  private void process(FrameRecord frame) throws Exception {
    harness.processElement1(frame, frame.captureTimeMs);
  }

  private void request(String queryId, int choice, String device, long start, long end, long expiresAtMs)
      throws Exception {
    ChoiceRequest request = new ChoiceRequest(queryId, choice, device, T0 + start, T0 + end, "model", expiresAtMs);
    harness.processElement2(request, T0);
  }

  /** The request clips emitted since the last call, described with their tag; window clips are dropped. */
  private List<String> requestClips() {
    List<String> described = harness.extractOutputValues().stream().filter(ClipRecord::isRequestClip)
        .map(ClipBuilderTest::describeTagged).sorted().collect(Collectors.toList());
    harness.getOutput().clear();
    return described;
  }

  /** Everything sent to the fallback so far. */
  private List<ChoiceRequest> unserved() {
    var records = harness.getSideOutput(ClipBuilder.UNSERVED);
    return records == null ? List.of() : records.stream().map(r -> r.getValue()).collect(Collectors.toList());
  }

  private static String describeTagged(ClipRecord clip) {
    return (clip.isRequestClip() ? clip.requestQueryId + "#" + clip.requestChoice + " " : "") + describe(clip);
  }

  private void watermark(long t) throws Exception {
    harness.processBothWatermarks(T0 + t);
  }

  /** Advances the watermark and returns the clips it released (all keys, in emission order). */
  private List<ClipRecord> emitted(long watermark) throws Exception {
    watermark(watermark);
    List<ClipRecord> clips = new ArrayList<>(harness.extractOutputValues());
    harness.getOutput().clear();
    return clips;
  }

  /** The clips emitted since the last call, described and sorted by device then start. */
  private List<String> clips() {
    List<String> described = harness.extractOutputValues().stream().map(ClipBuilderTest::describe).sorted()
        .collect(Collectors.toList());
    harness.getOutput().clear();
    return described;
  }

  private static String describe(ClipRecord clip) {
    StringBuilder s = new StringBuilder(clip.deviceId + " [" + (clip.startMs - T0) + ", " + (clip.endMs - T0) + ")");
    for (long t : clip.frameTimesMs) {
      s.append(' ').append(t - T0);
    }
    return s.toString();
  }
}
