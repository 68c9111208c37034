package io.egostream.operators.mcq;

import static io.egostream.operators.mcq.McqTestData.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.AnswerRecord.ChoiceSource;
import io.egostream.operators.records.EmbeddedClip;
import java.util.List;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StoredClipLookupTest {
  private static final McqSettings SETTINGS = new McqSettings(5_000, 60_000, 30_000);

  private KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedClip, ChoiceRequest, ChoiceOutcome> harness;

  @BeforeEach
  void open() throws Exception {
    harness = new KeyedTwoInputStreamOperatorTestHarness<>(
        new KeyedCoProcessOperator<>(new StoredClipLookup(SETTINGS)), clip -> clip.deviceId,
        request -> request.deviceId, Types.STRING);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void theClipOverlappingMostStandsInAndTiesGoToTheNearestCentre() throws Exception {
    store(0, 4_000, 0);
    store(2_000, 6_000, 1);
    store(4_000, 8_000, 2);

    assertEquals("STORED_CLIP [2000, 6000)", lookUp(2_500, 5_500), "overlaps 3000, the others 1500");
    assertEquals("STORED_CLIP [2000, 6000)", lookUp(3_000, 5_000), "ties at 2000 with both others: centred");
    assertEquals("STORED_CLIP [0, 4000)", lookUp(1_000, 3_000), "ties at 1000 with [2000, 6000): nearer centre");
    assertEquals("MISSING", lookUp(9_000, 12_000));
  }

  @Test
  void clipsOfAnotherModelAndRequestClipsAreNotUsed() throws Exception {
    EmbeddedClip otherModel = clip(0, 4_000, 0);
    otherModel.modelId = "old-model";
    harness.processElement1(otherModel, T0);
    EmbeddedClip requestClip = clip(0, 4_000, 1);
    requestClip.requestQueryId = "q0";
    harness.processElement1(requestClip, T0);

    assertEquals("MISSING", lookUp(0, 4_000));
  }

  @Test
  void aClipIsKeptForTheRetentionPastItsEndThenStateAndTimersAreEmpty() throws Exception {
    store(0, 4_000, 0);
    store(2_000, 6_000, 1);
    harness.processBothWatermarks(new Watermark(T0 + 4_000 + SETTINGS.storedClipRetentionMs() - 1));
    assertEquals("STORED_CLIP [0, 4000)", lookUp(0, 3_000));

    harness.processBothWatermarks(new Watermark(T0 + 4_000 + SETTINGS.storedClipRetentionMs()));
    assertEquals("STORED_CLIP [2000, 6000)", lookUp(0, 3_000), "[0, 4000) has gone");

    harness.processBothWatermarks(new Watermark(T0 + 6_000 + SETTINGS.storedClipRetentionMs()));
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
  }

  @Test
  void fanOutMakesOneRequestPerValidChoiceExpiringWithItsQuery() throws Exception {
    var query = McqTestData.query("q1", McqTestData.unit(0), new String[] {"g1", "g2", "g3", "", "g2"},
        new long[] {T0, T0, T0, T0, T0 + 9_000}, new long[] {T0 + 1_000, T0 + 2_000, T0 + 3_000, T0 + 4_000,
            T0 + 9_000}, T0 - 100);
    List<ChoiceRequest> requests = new java.util.ArrayList<>();
    new FanOutChoices(SETTINGS).flatMap(query, new ListCollector<>(requests));

    assertEquals("[q1#0 g1 [" + T0 + ", " + (T0 + 1_000) + "), q1#1 g2 [" + T0 + ", " + (T0 + 2_000) + "), q1#2 g3 ["
        + T0 + ", " + (T0 + 3_000) + ")]", requests.toString(), "no device, empty range: none");
    assertEquals(SETTINGS.giveUpAtMs(query.query), requests.get(0).expiresAtMs);
    assertEquals(T0 + 9_000 + 5_000 + 60_000, requests.get(0).expiresAtMs, "latest end + timeout + safety");
    assertEquals(McqTestData.MODEL, requests.get(0).modelId);
  }

  @Test
  void mcqRecordsAreFlinkPojosSoStateNeverFallsBackToKryo() {
    for (Class<?> type : List.of(ChoiceRequest.class, ChoiceOutcome.class, EmbeddedClip.class,
        io.egostream.operators.records.AnswerRecord.class)) {
      assertTrue(TypeInformation.of(type) instanceof PojoTypeInfo, type + " is not a POJO for Flink");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static EmbeddedClip clip(long start, long end, int k) {
    return new EmbeddedClip("g1", "s", T0 + start, T0 + end, new long[] {T0 + start}, McqTestData.unit(k),
        new int[][] {{1, 2}}, McqTestData.MODEL, T0 + end);
  }

  private void store(long start, long end, int k) throws Exception {
    harness.processElement1(clip(start, end, k), T0 + end - 1);
  }

  /** Looks up [start, end) of g1 and describes the outcome: source and, for a stored clip, its range. */
  private String lookUp(long start, long end) throws Exception {
    ChoiceRequest request = new ChoiceRequest("q1", 0, "g1", T0 + start, T0 + end, McqTestData.MODEL, 0)
        .unserved("frames aged out");
    harness.processElement2(request, T0);
    List<ChoiceOutcome> outcomes = harness.extractOutputValues();
    harness.getOutput().clear();
    assertEquals(1, outcomes.size());
    ChoiceOutcome outcome = outcomes.get(0);
    assertTrue(outcome.reason.startsWith("frames aged out; "), outcome.reason);
    return outcome.source == ChoiceSource.MISSING ? "MISSING"
        : outcome.source + " [" + (outcome.startMs - T0) + ", " + (outcome.endMs - T0) + ")";
  }
}
