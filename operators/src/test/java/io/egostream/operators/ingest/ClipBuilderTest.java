package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClipBuilderTest {
  /** A window start (a multiple of the 2 s stride); every time in these tests is relative to it. */
  private static final long T0 = 1_700_000_000_000L;
  /** The defaults: 4 s clips, 2 s stride, 4 frames. */
  private static final ClipSettings SETTINGS = ClipSettings.from(new Configuration(), 4);
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
    for (long t = 0; t <= 6_000; t += 500) {
      process(frame("glasses-1", t));
    }
    // The device's event time is 6000 - 2000 - 1 = 3999, the last millisecond of [0, 4000): it and [-2000, 2000) are
    // complete.
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500"),
        clips());

    for (long t = 6_500; t <= 7_500; t += 500) { // 16 frames in all, 2 a second
      process(frame("glasses-1", t));
    }
    assertEquals(List.of(), clips(), "event time 5499: [2000, 6000) may still get frames");

    List<ClipRecord> last = idle(); // the device went silent: its last windows are built
    assertEquals(List.of("glasses-1 [2000, 6000) 2500 3500 4500 5500", "glasses-1 [4000, 8000) 4500 5500 6500 7500",
        "glasses-1 [6000, 10000) 6000 6500 7000 7500"), last.stream().map(ClipBuilderTest::describe).toList());
    ClipRecord newest = last.get(2);
    assertEquals("session-1", newest.sessionId);
    assertEquals(T0 + 7_500 + 10, newest.ingestTimeMs, "ingest time of the newest frame used");
    assertEquals(4, newest.jpegs.length);
    assertArrayEquals(JPEG, newest.jpegs[3]);
    assertEquals(0, metrics.count("clipsSkippedTooFewFrames"));
  }

  @Test
  void clipsAreStampedWithTheWallClockTimeTheyAreEmitted() throws Exception {
    harness.setProcessingTime(T0 + 100);
    for (long t = 0; t <= 6_000; t += 500) {
      process(frame("glasses-1", t));
    }
    List<ClipRecord> windows = new ArrayList<>(harness.extractOutputValues());
    harness.getOutput().clear();
    assertEquals(2, windows.size());
    assertEquals(List.of(T0 + 100, T0 + 100), windows.stream().map(c -> c.emitTimeMs).toList());

    harness.setProcessingTime(T0 + 3_000); // before the idle timeout
    request("q1", 0, "glasses-1", 0, 2_000, 0);
    List<ClipRecord> served = harness.extractOutputValues();
    assertEquals(1, served.size());
    assertEquals(T0 + 3_000, served.get(0).emitTimeMs, "a request clip too");
    harness.getOutput().clear();

    List<ClipRecord> last = idle(); // built by the device's idle timer
    assertFalse(last.isEmpty());
    for (ClipRecord c : last) {
      assertEquals(harness.getProcessingTime(), c.emitTimeMs);
    }
  }

  @Test
  void outOfOrderFramesWithinTheBoundAreUsed() throws Exception {
    process(frame("glasses-1", 500));
    process(frame("glasses-1", 2_500));
    process(frame("glasses-1", 3_500)); // the device's event time: 3500 - 2000 - 1 = 1499
    process(frame("glasses-1", 1_500)); // 2 s behind the newest frame, still ahead of the event time

    assertEquals(List.of("glasses-1 [0, 4000) 500 1500 2500 3500"),
        idle().stream().map(ClipBuilderTest::describe).toList());
    assertEquals(0, metrics.count("lateFrames"));
  }

  @Test
  void framesAtOrBehindTheDevicesEventTimeAreRefusedAsLate() throws Exception {
    process(frame("glasses-1", 7_001)); // event time 5000
    process(frame("glasses-1", 4_000));
    process(frame("glasses-1", 5_000)); // at the event time: late too
    process(frame("glasses-1", 5_001));

    assertEquals(List.of(4_000L, 5_000L), refusedTimes());
    assertTrue(refused().get(0).reason.startsWith("late frame: capture time " + (T0 + 4_000) + " of device glasses-1 "
        + "is at or behind the device's event time " + (T0 + 5_000)), refused().get(0).reason);
    assertTrue(refused().get(0).reason.contains("watermark.out-of-orderness.ms"), refused().get(0).reason);
    assertEquals(2, metrics.count("lateFrames"));
    assertEquals(List.of(), clips());
  }

  @Test
  void aWindowWithTooFewFramesIsAGap() throws Exception {
    process(frame("glasses-1", 4_500));
    process(frame("glasses-1", 5_000));
    process(frame("glasses-1", 5_500)); // 3 frames in [2000, 6000) and in [4000, 8000), 4 needed

    assertEquals(List.of(), idle());
    assertEquals(2, metrics.count("clipsSkippedTooFewFrames"));
  }

  @Test
  void oneDevicesClockNeverMovesAnothersWindows() throws Exception {
    for (long t = 1_000; t < 4_000; t += 1_000) {
      process(frame("glasses-2", t)); // 3 frames: not enough for a clip
    }
    for (long t = 0; t <= 60_000; t += 500) {
      process(frame("glasses-1", t)); // far ahead of glasses-2
    }
    assertEquals(29, clips().size(), "glasses-1's windows up to its event time 57999");
    assertEquals(0, metrics.count("clipsSkippedTooFewFrames"), "glasses-2's windows wait for glasses-2's clock");

    process(frame("glasses-2", 6_000)); // its own event time reaches 3999
    assertEquals(List.of(), clips());
    assertEquals(2, metrics.count("clipsSkippedTooFewFrames"), "glasses-2's [-2000, 2000) and [0, 4000)");
  }

  @Test
  void aSilentDevicesLastWindowsAreBuiltAfterTheIdleTimeout() throws Exception {
    for (long t = 0; t < 4_000; t += 500) {
      process(frame("glasses-1", t)); // wall clock 0
    }
    harness.setProcessingTime(SETTINGS.idleTimeoutMs() - 1);
    assertEquals(List.of(), clips(), "event time 1499: no window complete yet");

    harness.setProcessingTime(SETTINGS.idleTimeoutMs()); // silent for the idle timeout
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500",
        "glasses-1 [2000, 6000) 2000 2500 3000 3500"), clips());
    assertEquals(1, metrics.count("idleDevices"));
  }

  @Test
  void theFinalWatermarkBuildsEveryDevicesLastWindows() throws Exception {
    for (long t = 0; t < 4_000; t += 500) {
      process(frame("glasses-1", t));
      process(frame("glasses-2", t));
    }
    watermark(60_000); // an ordinary watermark decides nothing here
    assertEquals(List.of(), clips());

    harness.processBothWatermarks(Long.MAX_VALUE); // end of input
    assertEquals(6, clips().size());
  }

  @Test
  void aDuplicateCaptureTimeKeepsTheFirstFrame() throws Exception {
    for (long t = 0; t < 4_000; t += 1_000) {
      process(frame("glasses-1", t));
    }
    FrameRecord duplicate = frame("glasses-1", 2_000);
    duplicate.jpeg = TestSupport.jpeg(16, 12);
    process(duplicate);

    ClipRecord clip = idle().get(0); // [-2000, 2000) has 2 frames: a gap
    assertEquals("glasses-1 [0, 4000) 0 1000 2000 3000", describe(clip));
    assertArrayEquals(JPEG, clip.jpegs[2]);
    assertEquals(1, metrics.count("duplicateFrames"));
    assertEquals(List.of(2_000L), refusedTimes());
    assertEquals("duplicate frame: device glasses-1 already has a frame captured at " + (T0 + 2_000)
        + "; the first one is kept", refused().get(0).reason);
  }

  @Test
  void aClipAcrossARestartCarriesTheNewestSession() throws Exception {
    process(frame("glasses-1", 0));
    process(frame("glasses-1", 1_000));
    process(frame("glasses-1", 2_000, "session-2"));
    process(frame("glasses-1", 3_000, "session-2"));

    ClipRecord clip = idle().get(0); // [-2000, 2000) has 2 frames: a gap
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

    assertEquals("glasses-1 [0, 4000) 400 400 3000 3000", describe(idle().get(0)));
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
    List<ClipRecord> clips = idle();
    assertEquals("glasses-1 [0, 4000) 0 1000 2000 3000", describe(clips.get(0)));
    assertArrayEquals(JPEG, clips.get(0).jpegs[0]);
  }

  // ----- per-device event time ---------------------------------------------------------------------------------

  @Test
  void aDeviceUploadingTenSecondsLaterGetsEveryClip() throws Exception {
    // Two wearables with the same 16 s of frames; the second uploads its batch 10 s (wall clock) after the first,
    // while the job-wide watermark (per partition) follows the first.
    harness.setProcessingTime(T0);
    for (long t = 0; t < 16_000; t += 250) {
      process(frame("glasses-1", t));
      watermark(t - 2_001);
    }
    harness.setProcessingTime(T0 + 10_000);
    for (long t = 0; t < 16_000; t += 250) {
      process(frame("glasses-2", t));
    }
    harness.setProcessingTime(T0 + 30_000); // both silent since: their last windows are built

    List<String> clips = clips();
    List<String> first = clips.stream().filter(c -> c.startsWith("glasses-1")).map(c -> c.substring(10)).toList();
    List<String> second = clips.stream().filter(c -> c.startsWith("glasses-2")).map(c -> c.substring(10)).toList();
    assertEquals(9, first.size(), clips.toString()); // windows starting at -2000, 0, ..., 14000
    assertEquals(first, second);
    assertEquals(List.of(), refused());
  }

  @Test
  void aRestoreNeverBuildsAFiredWindowAgain() throws Exception {
    for (long t = 0; t <= 7_500; t += 500) {
      process(frame("glasses-1", t));
    }
    watermark(5_499); // 7500 - 2000 - 1: the device's own event time says the same
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500"),
        clips());
    OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 8_000);
    harness.close();
    environment.close();

    harness = open(SETTINGS, snapshot); // the operator's watermark is Long.MIN_VALUE again
    process(frame("glasses-1", 1_250)); // replayed out of order, behind windows that fired before the snapshot
    for (long t = 8_000; t <= 12_000; t += 500) {
      process(frame("glasses-1", t));
    }
    watermark(9_999);
    assertEquals(List.of("[2000, 6000)", "[4000, 8000)", "[6000, 10000)"),
        clips().stream().map(c -> c.substring(10, c.indexOf(')') + 1)).toList());
    assertEquals(List.of(1_250L), refusedTimes());
  }

  @Test
  void afterARestoreReplayedFramesAreNotLateForTheTimeTheJobWasDown() throws Exception {
    for (long t = 0; t <= 3_000; t += 500) {
      process(frame("glasses-1", t)); // wall clock 0
    }
    OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 3_000);
    harness.close();
    environment.close();

    harness = open(SETTINGS, snapshot);
    harness.setProcessingTime(60_000); // down for a minute: the device's idle timer is long due when it restarts
    for (long t = 3_500; t <= 7_500; t += 500) {
      process(frame("glasses-1", t)); // replayed from Kafka after the restore
    }
    List<String> built = new ArrayList<>(clips());
    idle().forEach(clip -> built.add(describe(clip)));

    assertEquals(List.of(), refused());
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500",
        "glasses-1 [2000, 6000) 2500 3500 4500 5500", "glasses-1 [4000, 8000) 4500 5500 6500 7500",
        "glasses-1 [6000, 10000) 6000 6500 7000 7500"), built);
  }

  /** Found by LocalClusterFaultIT: a restarted TaskManager's model took longer to load than the idle timeout. */
  @Test
  void afterARestoreSilenceCountsFromTheFirstReplayedFrameNotFromTheRestart() throws Exception {
    for (long t = 0; t <= 3_000; t += 500) {
      process(frame("glasses-1", t)); // wall clock 0
    }
    OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 3_000);
    harness.close();
    environment.close();

    harness = open(SETTINGS, snapshot);
    harness.setProcessingTime(60_000); // down for a minute
    harness.setProcessingTime(70_000); // the replay is held up by backpressure for twice the idle timeout
    for (long t = 3_500; t <= 7_500; t += 500) {
      process(frame("glasses-1", t)); // replayed from Kafka after the restore
    }
    assertEquals(List.of(), refused());
    List<String> built = new ArrayList<>(clips());
    idle().forEach(clip -> built.add(describe(clip)));
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3500",
        "glasses-1 [2000, 6000) 2500 3500 4500 5500", "glasses-1 [4000, 8000) 4500 5500 6500 7500",
        "glasses-1 [6000, 10000) 6000 6500 7000 7500"), built);
  }

  @Test
  void aRestoredDeviceThatNeverSendsAgainHasItsLastClipsBuiltOnceTheRetentionHasPassed() throws Exception {
    for (long t = 0; t <= 3_000; t += 500) {
      process(frame("glasses-1", t));
    }
    OperatorSubtaskState snapshot = harness.snapshot(1, T0 + 3_000);
    harness.close();
    environment.close();

    harness = open(SETTINGS, snapshot);
    harness.setProcessingTime(60_000);
    harness.setProcessingTime(60_000 + SETTINGS.frameRetentionMs() - 1);
    assertEquals(List.of(), clips(), "no frame since the restart: not silent yet");
    harness.setProcessingTime(60_000 + SETTINGS.frameRetentionMs() + SETTINGS.idleTimeoutMs());
    assertEquals(List.of("glasses-1 [-2000, 2000) 0 500 1000 1500", "glasses-1 [0, 4000) 500 1500 2500 3000"),
        clips());
  }

  @Test
  void aClockJumpIsRefusedAndDoesNotMoveTheDevicesClock() throws Exception {
    for (long t = 0; t < 3_000; t += 500) {
      process(frame("glasses-1", t));
    }
    process(frame("glasses-1", 2 * 3_600_000L)); // a clock that jumps two hours
    process(frame("glasses-1", 3_000)); // still on time: the jump did not move the device's event time

    assertEquals(List.of(2 * 3_600_000L), refusedTimes());
    assertTrue(refused().get(0).reason.startsWith("clock jump: capture time " + (T0 + 2 * 3_600_000L)
        + " of device glasses-1 is"), refused().get(0).reason);
    assertTrue(refused().get(0).reason.contains("frames.max-clock-jump.ms"), refused().get(0).reason);
    assertEquals(0, harness.extractOutputValues().size());
  }

  @Test
  void aSequenceThatDoesNotIncreaseAcrossBatchesIsRefusedUntilANewSession() throws Exception {
    process(frame("glasses-1", 0)); // sequence 0
    process(frame("glasses-1", 1_000)); // sequence 10
    FrameRecord replayed = frame("glasses-1", 2_000);
    replayed.sequence = 10; // a later frame with the same sequence: spoofed or replayed
    process(replayed);
    FrameRecord restarted = frame("glasses-1", 3_000, "session-2");
    restarted.sequence = 0; // a new session starts its sequence again
    process(restarted);

    assertEquals(List.of(2_000L), refusedTimes());
    assertTrue(refused().get(0).reason.startsWith("sequence out of order: frame of device glasses-1 session session-1 "
        + "captured at " + (T0 + 2_000) + " has sequence 10"), refused().get(0).reason);
  }

  /**
   * A frame slipped in between two buffered ones must fit their sequence numbers too, not only the newest frame's: a
   * spoof that copies a frame's sequence and lands 100 ms after it, arriving once later frames are in (found by the
   * storm test), would otherwise be taken into that frame's clips.
   */
  @Test
  void aFrameBetweenBufferedFramesMustFitTheirSequenceNumbers() throws Exception {
    process(frame("glasses-1", 0)); // sequence 0
    process(frame("glasses-1", 1_000)); // sequence 10
    process(frame("glasses-1", 1_500)); // sequence 15
    FrameRecord spoof = frame("glasses-1", 1_100);
    spoof.sequence = 10; // the sequence of the frame before it
    process(spoof);
    FrameRecord late = frame("glasses-1", 1_200);
    late.sequence = 16; // above the frame after it
    process(late);
    FrameRecord honest = frame("glasses-1", 1_250); // sequence 12: between 10 and 15
    process(honest);

    assertEquals(List.of(1_100L, 1_200L), refusedTimes());
    String reason = refused().get(0).reason;
    assertTrue(reason.startsWith("sequence out of order: frame of device glasses-1 session session-1 captured at "
        + (T0 + 1_100) + " has sequence 10, but the frame captured before it"), reason);
    assertTrue(refused().get(1).reason.contains("the frame captured after it"), refused().get(1).reason);
  }

  @Test
  void aSilentDevicesStateAndTimersGoBackToZeroAfterTheRetention() throws Exception {
    harness.setProcessingTime(T0);
    for (long t = 0; t < 8_000; t += 500) {
      process(frame("glasses-1", t));
      process(frame("glasses-2", t + 250));
    }
    request("q1", 0, "glasses-1", 20_000, 24_000, 0); // waits for frames that never come, with no expiry
    assertTrue(harness.numKeyedStateEntries() > 0);

    // Frames stay after their windows were built, for exact-range requests, while the silence is short...
    harness.setProcessingTime(T0 + SETTINGS.frameRetentionMs() - 1);
    assertEquals(10, harness.extractOutputValues().size());
    assertTrue(harness.numKeyedStateEntries() > 0);

    harness.setProcessingTime(T0 + SETTINGS.frameRetentionMs()); // ...and go with a silence past the retention
    assertTrue(unserved().get(0).reason.startsWith("device glasses-1 was silent for"), unserved().toString());
    assertEquals(2, metrics.count("silentDevicesDropped"));
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  // ----- choice requests (exact ranges for MCQ choices) ---------------------------------------------------------

  @Test
  void aRequestWhoseFramesAreFinalIsServedAtOnceWithATaggedClip() throws Exception {
    for (long t = 0; t <= 7_500; t += 500) {
      process(frame("glasses-1", t));
    }
    idle();
    harness.getOutput().clear(); // the window clips
    int timers = harness.numProcessingTimeTimers(); // the device's own

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
    assertEquals(timers, harness.numProcessingTimeTimers(), "none of the request's own");
  }

  @Test
  void aRequestForTheFutureWaitsForTheDevicesEventTimeToPassItsEnd() throws Exception {
    for (long t = 0; t <= 3_000; t += 500) {
      process(frame("glasses-1", t));
    }
    request("q1", 0, "glasses-1", 2_300, 6_300, T0 + 60_000);
    assertEquals(List.of(), requestClips());
    assertEquals(2, harness.numProcessingTimeTimers(), "the device's idle timer and the request's expiry");

    for (long t = 3_500; t <= 8_000; t += 500) {
      process(frame("glasses-1", t));
    }
    process(frame("glasses-1", 8_299)); // event time 6298: a frame at 6299 could still come
    assertEquals(List.of(), requestClips());

    process(frame("glasses-1", 8_300)); // event time 6299, the range's last millisecond: its frames are final
    assertEquals(List.of("q1#0 glasses-1 [2300, 6300) 3000 4000 5000 6000"), requestClips());
    assertEquals(1, harness.numProcessingTimeTimers(), "the expiry timer goes with the served request");
    assertTrue(harness.getSideOutput(ClipBuilder.UNSERVED) == null);
  }

  @Test
  void aRequestEndingOnTheWindowGridIsServedWithTheWindow() throws Exception {
    request("q1", 4, "glasses-1", 0, 4_000, 0);
    for (long t = 0; t < 4_000; t += 1_000) {
      process(frame("glasses-1", t));
    }
    process(frame("glasses-1", 6_000)); // event time 3999
    assertEquals(List.of("glasses-1 [0, 4000) 0 1000 2000 3000", "q1#4 glasses-1 [0, 4000) 0 1000 2000 3000"),
        harness.extractOutputValues().stream().map(ClipBuilderTest::describeTagged).sorted()
            .collect(Collectors.toList()));
  }

  @Test
  void aRequestWhoseFramesHaveAgedOutGoesToTheFallback() throws Exception {
    for (long t = 0; t < 8_000; t += 500) {
      process(frame("glasses-1", t));
    }
    process(frame("glasses-1", 10_000 + SETTINGS.frameRetentionMs() + 2_001)); // event time: retained from 10000 on

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
  void aMomentsRefinementRangeIsServedLikeAChoiceAndKeepsItsTagBothWays() throws Exception {
    for (long t = 0; t < 8_000; t += 500) {
      process(frame("glasses-1", t));
    }
    ChoiceRequest range = new ChoiceRequest("m1", 7, "glasses-1", T0 + 1_250, T0 + 3_750, "model", 0);
    range.forMoment = true;
    harness.processElement2(range, T0);
    List<ClipRecord> built = harness.extractOutputValues().stream().filter(ClipRecord::isRequestClip).toList();
    assertEquals(List.of("m1#7 glasses-1 [1250, 3750) 1500 2000 3000 3500"),
        built.stream().map(ClipBuilderTest::describeTagged).toList(), "off the window grid, sampled uniformly");
    assertTrue(built.get(0).requestForMoment);

    process(frame("glasses-1", 10_000 + SETTINGS.frameRetentionMs() + 2_001)); // event time: retained from 10000 on
    ChoiceRequest agedOut = new ChoiceRequest("m1", 8, "glasses-1", T0 + 6_000, T0 + 9_000, "model", 0);
    agedOut.forMoment = true;
    harness.processElement2(agedOut, T0);
    List<ChoiceRequest> unserved = unserved();
    assertEquals(1, unserved.size());
    assertTrue(unserved.get(0).forMoment && unserved.get(0).reason.startsWith("frames aged out"),
        unserved.get(0).toString());
  }

  @Test
  void aRequestWithTooFewFramesGoesToTheFallback() throws Exception {
    process(frame("glasses-1", 1_000));
    process(frame("glasses-1", 2_000));
    request("q1", 3, "glasses-1", 0, 4_000, 0);

    idle();
    List<ChoiceRequest> unserved = unserved();
    assertEquals(1, unserved.size());
    assertEquals("too few frames in range: 2, a clip needs 4", unserved.get(0).reason);
  }

  @Test
  void aRequestStillWaitingAtItsExpiryIsGivenUpAndLeavesNothingBehind() throws Exception {
    harness.setProcessingTime(T0);
    request("q1", 0, "glasses-1", 1_000, 5_500, T0 + 30_000);
    assertEquals(0, harness.numEventTimeTimers());
    assertEquals(1, harness.numProcessingTimeTimers());

    harness.setProcessingTime(T0 + 30_000); // the device never sent a frame

    List<ChoiceRequest> unserved = unserved();
    assertEquals(1, unserved.size());
    assertTrue(unserved.get(0).reason.startsWith("gave up at wall-clock"), unserved.get(0).reason);
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void stateAndTimersAreEmptyOnceWaitingRequestsExpire() throws Exception {
    harness.setProcessingTime(T0);
    request("q1", 0, "glasses-2", 500, 2_500, T0 + 60_000); // a device that never sends a frame
    request("q1", 1, "glasses-2", 700, 2_500, T0 + 60_000); // same end, same expiry: a shared timer
    request("q2", 0, "glasses-2", 800, 3_100, T0 + 90_000);
    assertEquals(2, harness.numProcessingTimeTimers());

    harness.setProcessingTime(T0 + 60_000);
    assertEquals(2, unserved().size());
    assertEquals(1, harness.numProcessingTimeTimers(), "q2's expiry is still needed");
    harness.setProcessingTime(T0 + 90_000);
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
    process(frame("glasses-1", 5_500)); // event time 3499
    assertEquals(List.of("q1#0 glasses-1 [0, 3500) 0 1000 2000 3000"), requestClips());
  }

  @Test
  void framesBeyondTheDevicesBufferLimitsAreRefusedNamingTheOption() throws Exception {
    harness.close();
    environment.close();
    harness = open(new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 5_000, 600_000, 5, 4L * JPEG.length), null);
    for (long t = 0; t < 3_000; t += 500) {
      process(frame("glasses-1", t)); // the 5th frame is over the bytes, the 6th over both
    }
    FrameRecord small = frame("glasses-2", 0);
    process(small);

    assertEquals(List.of(2_000L, 2_500L), refusedTimes());
    assertTrue(refused().get(0).reason.startsWith("too many bytes buffered: device glasses-1 buffers "
        + 4 * JPEG.length + " bytes of JPEG"), refused().get(0).reason);
    assertTrue(refused().get(0).reason.contains("frames.max-buffered-bytes-per-device"), refused().get(0).reason);
    assertEquals(2, metrics.count("overLimitFrames"));

    harness.close();
    environment.close();
    harness = open(new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 5_000, 600_000, 4, 1L << 20), null);
    for (long t = 0; t < 2_500; t += 500) {
      process(frame("glasses-1", t));
    }
    assertEquals(List.of(2_000L), refusedTimes());
    assertTrue(refused().get(0).reason.startsWith("too many frames buffered: device glasses-1 already buffers 4 "
        + "frames, the most frames.max-buffered-per-device (4) allows"), refused().get(0).reason);
  }

  @Test
  void framesLeaveTheBufferOnceTheDevicesEventTimeIsPastThemByTheRetention() throws Exception {
    harness.close();
    environment.close();
    // 2 frames a second over the 120 s retention, 2 s out of order and a 1 s index bucket: at most 246 buffered.
    harness = open(new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 5_000, 600_000, 250, 1L << 20), null);
    for (long t = 0; t <= 300_000; t += 500) { // 5 minutes, 601 frames
      process(frame("glasses-1", t));
    }
    assertEquals(List.of(), refused());
    process(frame("glasses-1", 297_999)); // at the event time: late
    assertEquals(List.of(297_999L), refusedTimes());
    assertEquals(149, harness.extractOutputValues().size(), "windows up to [294000, 298000)");
  }

  @Test
  void framesAreFlinkPojosSoStateNeverFallsBackToKryo() {
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(FrameRecord.class));
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(ClipRecord.class));
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(DeviceClock.class));
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(FrameBucket.class));
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(RefusedFrame.class));
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

  /** The frames refused so far, with their reasons (dead-lettered by the job). */
  private List<RefusedFrame> refused() {
    var records = harness.getSideOutput(ClipBuilder.REFUSED);
    return records == null ? List.of() : records.stream().map(r -> r.getValue()).collect(Collectors.toList());
  }

  /** Capture times (relative to T0) of the frames refused so far. */
  private List<Long> refusedTimes() {
    return refused().stream().map(r -> r.frame.captureTimeMs - T0).toList();
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

  /**
   * Moves the wall clock past every device's idle timeout, and returns the clips that built (all keys, in emission
   * order): a silent device's last windows.
   */
  private List<ClipRecord> idle() throws Exception {
    harness.setProcessingTime(harness.getProcessingTime() + SETTINGS.idleTimeoutMs());
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
