package io.egostream.operators.query;

import static io.egostream.operators.query.QueryTestSupport.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.egostream.model.SvittEgo;
import io.egostream.model.TextEmbedding;
import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
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
class EmbedTextsTest {
  /** The operator's model, loaded once more here to compute the expected embeddings. */
  private static SvittEgo reference;

  @BeforeAll
  static void loadReference() throws Exception {
    reference = QueryTestSupport.MODEL.load(Device.cpu());
  }

  @AfterAll
  static void closeReference() {
    reference.close();
  }

  @Test
  void aFullBatchIsEmbeddedInOneCallAndCancelsKeepTheirPlaceWithoutTheModel() throws Exception {
    QueryRecord moment = query("m", QueryRecord.MOMENT, "c opens the drawer");
    QueryRecord cancel = query("c", QueryRecord.CANCEL, null);
    QueryRecord standing = query("s", QueryRecord.STANDING, "c pours water");
    try (var harness = harness(new BatchSettings(3, 1_000))) {
      harness.setProcessingTime(0);
      harness.processElement(moment, 1);
      harness.processElement(cancel, 2);
      assertEquals(List.of(), harness.extractOutputValues(), "a cancel waits with the batch: it must not overtake");
      harness.processElement(standing, 3);

      List<EmbeddedQuery> out = harness.extractOutputValues();
      assertEquals(List.of("m", "c", "s"), out.stream().map(e -> e.query.queryId).toList());
      assertEquals(moment.text, out.get(0).query.text, "the query travels with its embedding");
      assertEquals(moment.ingestTimeMs, out.get(0).query.ingestTimeMs);
      assertMatchesModelAlone(moment.text, out.get(0));
      assertNull(out.get(1).textEmbedding, "a cancel has no text to embed");
      assertNull(out.get(1).modelId);
      assertMatchesModelAlone(standing.text, out.get(2));
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void batchesOfOneEmbedEachQueryAtOnce() throws Exception {
    try (var harness = harness(new BatchSettings(1, 200))) {
      harness.processElement(query("a", QueryRecord.MOMENT, "c opens the drawer"), 1);
      assertEquals(1, harness.extractOutputValues().size());
      harness.processElement(query("b", QueryRecord.CANCEL, null), 2);
      harness.processElement(query("c", QueryRecord.MCQ, "c picks up the cup"), 3);
      List<EmbeddedQuery> out = harness.extractOutputValues();
      assertEquals(List.of("a", "b", "c"), out.stream().map(e -> e.query.queryId).toList());
      assertMatchesModelAlone("c picks up the cup", out.get(2));
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aPartialBatchIsEmbeddedWhenMaxWaitHasPassed() throws Exception {
    try (var harness = harness(new BatchSettings(8, 200))) {
      harness.setProcessingTime(1_000);
      harness.processElement(query("a", QueryRecord.MOMENT, "c opens the drawer"), 1);
      harness.processElement(query("b", QueryRecord.CANCEL, null), 2);
      harness.setProcessingTime(1_199);
      assertEquals(List.of(), harness.extractOutputValues());
      harness.setProcessingTime(1_200);
      assertEquals(2, harness.extractOutputValues().size());
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numEventTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aTextLongerThanTheModelReadsIsFlaggedTruncated() throws Exception {
    String longText = "c opens the drawer and then takes out a knife and cuts the bread on the wooden board slowly";
    try (var harness = harness(new BatchSettings(2, 200))) {
      harness.processElement(query("long", QueryRecord.MOMENT, longText), 1);
      harness.processElement(query("short", QueryRecord.MOMENT, "c opens it"), 2);
      List<EmbeddedQuery> out = harness.extractOutputValues();
      assertTrue(out.get(0).truncated, "more than 12 tokens");
      assertFalse(out.get(1).truncated);
      assertMatchesModelAlone(longText, out.get(0));
    }
  }

  @Test
  void aTextWithoutTokensIsAnsweredErrorAndTheRestOfItsBatchIsEmbedded() throws Exception {
    QueryRecord good = query("good", QueryRecord.MOMENT, "c opens the drawer");
    QueryRecord control = query("control", QueryRecord.MOMENT, "\u0001");
    QueryRecord stripped = query("stripped", QueryRecord.MCQ, "\u0000\u0007");
    QueryRecord after = query("after", QueryRecord.STANDING, "c pours water");
    try (var harness = harness(new BatchSettings(3, 200))) {
      harness.setProcessingTime(5_000);
      for (QueryRecord q : List.of(good, control, stripped, after)) {
        harness.processElement(q, 1);
      }
      assertEquals(1, harness.numProcessingTimeTimers(), "the unusable texts never entered the buffer");
      harness.setProcessingTime(5_200);

      List<EmbeddedQuery> out = harness.extractOutputValues();
      assertEquals(List.of("good", "after"), out.stream().map(e -> e.query.queryId).toList());
      assertMatchesModelAlone(good.text, out.get(0));
      assertMatchesModelAlone(after.text, out.get(1));
      List<AnswerRecord> errors = errorAnswers(harness);
      assertEquals(List.of("control", "stripped"), errors.stream().map(a -> a.queryId).toList());
      assertEquals(List.of(AnswerRecord.Kind.MOMENT, AnswerRecord.Kind.MCQ), errors.stream().map(a -> a.kind).toList());
      for (AnswerRecord error : errors) {
        assertEquals(AnswerRecord.Status.ERROR, error.status);
        assertTrue(error.reason.startsWith("invalid query: text cannot be embedded: "), error.reason);
        assertTrue(error.reason.contains("no tokens"), error.reason);
        assertEquals(5_000 - 1_000, error.latencyMs, "from the query's ingest to the answer");
      }
      assertEquals(0, harness.numProcessingTimeTimers());
      assertEquals(0, harness.numEventTimeTimers());
      assertEquals(0, harness.numKeyedStateEntries());
    }
  }

  @Test
  void aTextWithoutTokensIsNeverInACheckpoint() throws Exception {
    OperatorSubtaskState snapshot;
    try (var harness = harness(new BatchSettings(8, 200))) {
      harness.processElement(query("control", QueryRecord.MOMENT, "\u0001"), 1);
      assertEquals(1, errorAnswers(harness).size());
      assertEquals(0, harness.numKeyedStateEntries());
      snapshot = harness.snapshot(1L, 0L);
    }
    try (var restored = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedTexts(QueryTestSupport.MODEL, new BatchSettings(8, 200))),
        (QueryRecord q) -> EmbedTexts.lane(q.queryId, 1), Types.INT)) {
      restored.initializeState(snapshot);
      restored.open();
      assertEquals(0, restored.numKeyedStateEntries());
      assertEquals(0, restored.numProcessingTimeTimers());
      restored.setProcessingTime(10_000);
      assertEquals(List.of(), restored.extractOutputValues());
    }
  }

  @Test
  void theFunctionSerializesWithoutItsModelAndLanesFollowTheQueryId() throws Exception {
    assertNotNull(
        InstantiationUtil.clone(new EmbedTexts(QueryTestSupport.MODEL, BatchSettings.from(new Configuration()))));
    assertEquals(Math.floorMod("q-17".hashCode(), 4), EmbedTexts.lane("q-17", 4));
  }

  private static KeyedOneInputStreamOperatorTestHarness<Integer, QueryRecord, EmbeddedQuery> harness(
      BatchSettings settings) throws Exception {
    var harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new EmbedTexts(QueryTestSupport.MODEL, settings)),
        (QueryRecord q) -> EmbedTexts.lane(q.queryId, 1), Types.INT);
    harness.open();
    return harness;
  }

  private static List<AnswerRecord> errorAnswers(
      KeyedOneInputStreamOperatorTestHarness<Integer, QueryRecord, EmbeddedQuery> harness) {
    var answers = harness.getSideOutput(EmbedTexts.ERROR_ANSWERS);
    return answers == null ? List.of() : answers.stream().map(StreamRecord::getValue).toList();
  }

  private static void assertMatchesModelAlone(String text, EmbeddedQuery out) {
    TextEmbedding alone = reference.embedTexts(List.of(text)).get(0);
    assertArrayEquals(alone.vector(), out.textEmbedding, 1e-5f, "a batch embeds each text as it would alone");
    assertEquals(alone.truncated(), out.truncated);
    assertEquals(reference.modelId(), out.modelId);
  }
}
