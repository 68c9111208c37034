package io.egostream.operators.mcq;

import static io.egostream.operators.mcq.McqTestData.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.ingest.ClipBuilder;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.AnswerRecord.ChoiceSource;
import io.egostream.operators.records.AnswerRecord.Status;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.FrameRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MCQ path as the job wires it, each operator in its own harness and records carried between them by hand:
 * query → {@link FanOutChoices} → {@link ClipBuilder} (frames of three devices) → a fake model →
 * {@link McqGather}, with unserved requests through {@link StoredClipLookup}, which stores the window clips.
 *
 * <p>The fake model knows what each device is doing: device d does activity {@code 17·d + ⌊t / 4 s⌋ mod 64} at time
 * t, and a clip's embedding is the normalised sum of its frames' activities as unit vectors. A narration about an
 * activity is that activity's unit vector, so the right choice is the clip that shows only it.
 */
class McqPipelineTest {
  private static final String[] DEVICES = {"g1", "g2", "g3"};
  /** Frames kept 20 s so the aged-out case needs little video; 4 s clips every 2 s, 4 frames. */
  private static final ClipSettings CLIPS = new ClipSettings(4_000, 2_000, 4, 4, 20_000);
  private static final McqSettings MCQ = new McqSettings(5_000, 60_000, 3_600_000);

  private KeyedTwoInputStreamOperatorTestHarness<String, FrameRecord, ChoiceRequest, ClipRecord> clipBuilder;
  private KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedClip, ChoiceRequest, ChoiceOutcome> lookup;
  private KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedQuery, ChoiceOutcome, AnswerRecord> gather;
  private final List<AnswerRecord> answers = new ArrayList<>();

  @BeforeEach
  void open() throws Exception {
    clipBuilder = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new ClipBuilder(CLIPS)),
        frame -> frame.deviceId, request -> request.deviceId, Types.STRING);
    lookup = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new StoredClipLookup(MCQ)),
        clip -> clip.deviceId, request -> request.deviceId, Types.STRING);
    gather = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new McqGather(MCQ)),
        query -> query.query.queryId, outcome -> outcome.queryId, Types.STRING);
    clipBuilder.open();
    lookup.open();
    gather.open();
    gather.setProcessingTime(T0 + 100_000);
  }

  @AfterEach
  void close() throws Exception {
    clipBuilder.close();
    lookup.close();
    gather.close();
  }

  @Test
  void interVideoChoicesOnThreeDevicesPickTheRightClip() throws Exception {
    framesUntil(20_000); // every device's event time: 19500 - 2000 - 1 = 17499
    advance(17_499);

    // Four-second choices on three devices, off the window grid; the narration is g3's activity in [8.5 s, 11.5 s).
    ask("q1", activity(2, 8_500), new String[] {"g1", "g2", "g3", "g1", "g2"},
        new long[] {500, 4_500, 8_500, 12_500, 500}, new long[] {3_500, 7_500, 11_500, 15_500, 3_500});

    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.OK, answer.status);
    assertEquals(2, answer.mcqChoice);
    assertEquals(1f, answer.mcqScores[2], 1e-6f);
    assertArrayEquals(all(ChoiceSource.EXACT_RANGE), answer.mcqSources);
    assertEverythingAnsweredAndEmpty();
  }

  @Test
  void intraVideoChoicesOnOneDevicePickTheRightMoment() throws Exception {
    framesUntil(24_000);
    advance(21_499);

    // Five moments of g2, one per activity; the narration is the fourth's.
    ask("q1", activity(1, 13_000), new String[] {"g2", "g2", "g2", "g2", "g2"},
        new long[] {1_000, 5_000, 9_000, 13_000, 17_000}, new long[] {3_000, 7_000, 11_000, 15_000, 19_000});

    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.OK, answer.status);
    assertEquals(3, answer.mcqChoice);
    assertEquals(0f, answer.mcqScores[0], 1e-6f, "a different activity");
    assertEverythingAnsweredAndEmpty();
  }

  @Test
  void aChoiceInTheFutureIsAnsweredOnceItsDevicesEventTimePassesItsEnd() throws Exception {
    framesUntil(10_000);
    advance(7_499);

    ask("q1", activity(0, 13_000), new String[] {"g1", "g2", "g3", "g1", "g2"},
        new long[] {0, 0, 4_000, 12_000, 4_000}, new long[] {3_000, 3_000, 7_000, 15_000, 7_000});
    assertEquals(List.of(), answers, "g1 [12 s, 15 s) has not been recorded yet");

    framesUntil(17_000);
    advance(14_499);
    assertEquals(List.of(), answers, "g1's event time is 14 499: a frame at 14 999 could still come");

    framesUntil(17_500); // g1's event time reaches 14 999
    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.OK, answer.status);
    assertEquals(3, answer.mcqChoice);
    assertEquals(ChoiceSource.EXACT_RANGE, answer.mcqSources[3]);
    assertEverythingAnsweredAndEmpty();
  }

  @Test
  void aChoiceWhoseFramesAgedOutIsScoredWithTheStoredClipOverlappingItMost() throws Exception {
    framesUntil(40_000);
    advance(37_499); // every device's event time: frames kept from 17 499 on

    // Choice 1 ([5 s, 8 s) of g2) is 35 s old: its frames are gone, the stored window [4 s, 8 s) overlaps it most.
    ask("q1", activity(1, 5_000), new String[] {"g1", "g2", "g3", "g1", "g3"},
        new long[] {24_000, 5_000, 28_000, 32_000, 20_000}, new long[] {27_000, 8_000, 31_000, 35_000, 23_000});

    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.OK, answer.status);
    assertEquals(1, answer.mcqChoice);
    assertEquals(1f, answer.mcqScores[1], 1e-6f, "the stored clip [4 s, 8 s) shows only that activity");
    assertArrayEquals(new ChoiceSource[] {ChoiceSource.EXACT_RANGE, ChoiceSource.STORED_CLIP,
        ChoiceSource.EXACT_RANGE, ChoiceSource.EXACT_RANGE, ChoiceSource.EXACT_RANGE}, answer.mcqSources);
    assertEverythingAnsweredAndEmpty();
  }

  @Test
  void aChoiceWithNeitherFramesNorStoredClipIsMissingAndTheAnswerPartial() throws Exception {
    framesUntil(14_000);
    advance(11_499);

    ask("q1", activity(0, 0), new String[] {"g1", "g2", "g3", "g4", "g2"},
        new long[] {0, 4_000, 8_000, 0, 0}, new long[] {3_000, 7_000, 11_000, 3_000, 3_000});
    assertEquals(List.of(), answers, "g4 has no clock of its own: its choice waits for its expiry");

    clipBuilder.setProcessingTime(T0 + 200_000); // past the query's give-up time
    pump();
    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.PARTIAL, answer.status);
    assertEquals(0, answer.mcqChoice);
    assertEquals(ChoiceSource.MISSING, answer.mcqSources[3]);
    assertTrue(Float.isNaN(answer.mcqScores[3]));
    assertTrue(answer.reason.contains("choice 3: gave up at wall-clock"), answer.reason);
    assertEverythingAnsweredAndEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static int activity(int device, long t) {
    return (int) ((17L * device + t / 4_000) % McqTestData.DIM);
  }

  /** The fake model: the normalised sum of the frames' activities (as unit vectors). */
  private static EmbeddedClip embed(ClipRecord clip) {
    int device = List.of(DEVICES).indexOf(clip.deviceId);
    float[] v = new float[McqTestData.DIM];
    for (long t : clip.frameTimesMs) {
      v[activity(device, t - T0)] += 1;
    }
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return new EmbeddedClip(clip.deviceId, clip.sessionId, clip.startMs, clip.endMs, clip.frameTimesMs, v, null,
        McqTestData.MODEL, clip.ingestTimeMs).withRequestOf(clip);
  }

  private long framesSentUntil = -500;

  /** Two frames a second of every device, from where the last call stopped to {@code until} (exclusive). */
  private void framesUntil(long until) throws Exception {
    for (long t = framesSentUntil + 500; t < until; t += 500) {
      for (String device : DEVICES) {
        FrameRecord frame = new FrameRecord(device, "s-" + device, T0 + t, t / 500, 8, 6, new byte[] {1}, T0 + t);
        clipBuilder.processElement1(frame, T0 + t);
      }
      framesSentUntil = t;
    }
    pump();
  }

  private void ask(String id, int narrationActivity, String[] devices, long[] starts, long[] ends) throws Exception {
    long[] absoluteStarts = new long[starts.length];
    long[] absoluteEnds = new long[ends.length];
    for (int i = 0; i < starts.length; i++) {
      absoluteStarts[i] = T0 + starts[i];
      absoluteEnds[i] = T0 + ends[i];
    }
    EmbeddedQuery query = McqTestData.query(id, McqTestData.unit(narrationActivity), devices, absoluteStarts,
        absoluteEnds, T0 + 100_000);
    gather.processElement1(query, T0);
    List<ChoiceRequest> requests = new ArrayList<>();
    new FanOutChoices(MCQ).flatMap(query, new ListCollector<>(requests));
    for (ChoiceRequest request : requests) {
      clipBuilder.processElement2(request, T0);
    }
    pump();
  }

  /**
   * The job-wide watermark to the operators after the clip builder (which goes by each device's own clock), in
   * pipeline order, carrying each one's output on before the next.
   */
  private void advance(long t) throws Exception {
    lookup.processBothWatermarks(new Watermark(T0 + t));
    pump();
    gather.processBothWatermarks(new Watermark(T0 + t));
    pump();
  }

  /** Moves every record waiting in an operator's output to the operators it feeds. */
  private void pump() throws Exception {
    for (ClipRecord clip : McqPipelineTest.<ClipRecord>drain(clipBuilder.getOutput())) {
      EmbeddedClip embedded = embed(clip);
      if (embedded.isRequestClip()) {
        gather.processElement2(ChoiceOutcome.exactRange(embedded), T0);
      } else {
        lookup.processElement1(embedded, embedded.endMs - 1);
      }
    }
    Queue<StreamRecord<ChoiceRequest>> unserved = clipBuilder.getSideOutput(ClipBuilder.UNSERVED);
    while (unserved != null && !unserved.isEmpty()) {
      lookup.processElement2(unserved.poll().getValue(), T0);
    }
    for (ChoiceOutcome outcome : McqPipelineTest.<ChoiceOutcome>drain(lookup.getOutput())) {
      gather.processElement2(outcome, T0);
    }
    answers.addAll(McqPipelineTest.<AnswerRecord>drain(gather.getOutput()));
  }

  /** The records in a harness output (watermarks skipped), removed from it. */
  @SuppressWarnings("unchecked")
  private static <T> List<T> drain(Queue<Object> output) {
    List<T> records = new ArrayList<>();
    Object next;
    while ((next = output.poll()) != null) {
      if (next instanceof StreamRecord<?> record) {
        records.add((T) record.getValue());
      }
    }
    return records;
  }

  private AnswerRecord onlyAnswer() {
    assertEquals(1, answers.size(), "answers: " + answers);
    return answers.remove(0);
  }

  private void assertEverythingAnsweredAndEmpty() throws Exception {
    assertEquals(0, gather.numKeyedStateEntries());
    assertEquals(0, gather.numEventTimeTimers());
    assertEquals(0, gather.numProcessingTimeTimers());
    // Every device silent past the retention: nothing is left, and no request was still waiting.
    clipBuilder.setProcessingTime(Long.MAX_VALUE / 2);
    assertEquals(0, clipBuilder.numKeyedStateEntries());
    assertEquals(0, clipBuilder.numProcessingTimeTimers());
    Queue<StreamRecord<ChoiceRequest>> unserved = clipBuilder.getSideOutput(ClipBuilder.UNSERVED);
    assertTrue(unserved == null || unserved.isEmpty(), "no request left waiting: " + unserved);
  }

  private static ChoiceSource[] all(ChoiceSource source) {
    return new ChoiceSource[] {source, source, source, source, source};
  }
}
