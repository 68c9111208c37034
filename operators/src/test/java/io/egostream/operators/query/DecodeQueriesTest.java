package io.egostream.operators.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.QueryRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.CancelQuery;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodeQueriesTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final long INGEST = NOW - 30;
  private static final String ID = "q-1";

  private OneInputStreamOperatorTestHarness<RawRecord, QueryRecord> harness;

  @BeforeEach
  void open() throws Exception {
    open(QueryLimits.from(new Configuration()));
  }

  private void open(QueryLimits limits) throws Exception {
    harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DecodeQueries(limits)));
    harness.open();
    harness.setProcessingTime(NOW);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  // ---- good queries ----

  @Test
  void anMcqQueryParsesWithItsFiveChoices() throws Exception {
    McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C opens the drawer").setTimeoutMs(3_000);
    for (int i = 0; i < 5; i++) {
      mcq.addChoices(range("dev-" + i, 1_000 * i, 1_000 * i + 500));
    }
    QueryRecord q = accepted(Query.newBuilder().setQueryId(ID).setSentTimeMs(NOW - 100).setMcq(mcq).build());
    assertEquals(QueryRecord.MCQ, q.kind);
    assertEquals("#C C opens the drawer", q.text);
    assertEquals(NOW - 100, q.sentTimeMs);
    assertEquals(INGEST, q.ingestTimeMs);
    assertEquals(3_000, q.timeoutMs);
    assertArrayEquals(new String[] {"dev-0", "dev-1", "dev-2", "dev-3", "dev-4"}, q.choiceDevices);
    assertArrayEquals(new long[] {0, 1_000, 2_000, 3_000, 4_000}, q.choiceStartsMs);
    assertArrayEquals(new long[] {500, 1_500, 2_500, 3_500, 4_500}, q.choiceEndsMs);
  }

  @Test
  void aMomentQueryParsesAndTopKGetsItsDefaultAndCap() throws Exception {
    QueryRecord q = accepted(Query.newBuilder().setQueryId(ID).setMoment(MomentQuery.newBuilder()
        .setText("pour water").addDeviceIds("a").addDeviceIds("b").setFromMs(10).setToMs(20).setTopK(3)).build());
    assertEquals(QueryRecord.MOMENT, q.kind);
    assertEquals("pour water", q.text);
    assertArrayEquals(new String[] {"a", "b"}, q.deviceIds);
    assertEquals(10, q.fromMs);
    assertEquals(20, q.toMs);
    assertEquals(3, q.topK);

    assertEquals(DecodeQueries.DEFAULT_TOP_K, accepted(moment(MomentQuery.newBuilder().setText("x"))).topK);
    assertEquals(0, accepted(moment(MomentQuery.newBuilder().setText("x"))).deviceIds.length, "empty: all devices");
    assertEquals(DecodeQueries.MAX_TOP_K, accepted(moment(MomentQuery.newBuilder().setText("x").setTopK(5_000))).topK);
    assertEquals(0, accepted(moment(MomentQuery.newBuilder().setText("x").setToMs(5))).fromMs, "open start");
  }

  @Test
  void standingAndCancelQueriesParse() throws Exception {
    QueryRecord standing = accepted(Query.newBuilder().setQueryId(ID).setStanding(StandingQuery.newBuilder()
        .setText("someone waves").setThreshold(0.25f).addDeviceIds("a")).build());
    assertEquals(QueryRecord.STANDING, standing.kind);
    assertEquals(0.25f, standing.threshold);
    assertArrayEquals(new String[] {"a"}, standing.deviceIds);
    assertEquals(0f, accepted(standing(0f)).threshold, "the default floor itself is allowed");
    assertEquals(1f, accepted(standing(1f)).threshold, "and the top of [-1, 1]");

    QueryRecord cancel = accepted(Query.newBuilder().setQueryId(ID).setCancel(CancelQuery.getDefaultInstance())
        .build());
    assertEquals(QueryRecord.CANCEL, cancel.kind);
    assertNull(cancel.text);
    assertEquals(List.of(), deadLetters());
  }

  // ---- bad queries: a dead letter and an ERROR answer each ----

  @Test
  void recordsThatAreNotAQueryAreRejectedAndAnsweredToTheirKey() throws Exception {
    assertRejected(AnswerRecord.Kind.UNSPECIFIED, "tombstone: the record has no value (expected a Query)",
        raw(key(ID), null));
    assertRejected(AnswerRecord.Kind.UNSPECIFIED, "empty value: 0 bytes (expected a Query)", raw(key(ID), new byte[0]));
    // Field 1 (query_id) announces 5 bytes, 1 follows.
    String malformed = rejected(raw(key(ID), new byte[] {0x0A, 0x05, 'q'}), AnswerRecord.Kind.UNSPECIFIED);
    assertTrue(malformed.startsWith("malformed Query protobuf: "), malformed);
  }

  @Test
  void theIdAndKeyAreChecked() throws Exception {
    Query noId = moment(MomentQuery.newBuilder().setText("x")).toBuilder().clearQueryId().build();
    assertRejected(AnswerRecord.Kind.MOMENT, "missing query_id (set a unique id; the answer carries it)",
        raw(key(ID), noId.toByteArray()));

    // Neither an id nor a key: there is nobody to answer, so only the dead letter.
    harness.processElement(new StreamRecord<>(raw(null, noId.toByteArray())));
    assertEquals(List.of("missing query_id (set a unique id; the answer carries it)"),
        deadLetters().stream().map(d -> d.reason).toList());
    assertEquals(List.of(), errorAnswers());
    harness.getSideOutput(DecodeQueries.DEAD_LETTERS).clear();

    byte[] good = moment(MomentQuery.newBuilder().setText("x")).toByteArray();
    assertRejected(AnswerRecord.Kind.MOMENT, "missing record key: it must equal query_id \"q-1\"", raw(null, good));
    assertRejected(AnswerRecord.Kind.MOMENT,
        "record key \"q-2\" does not equal query_id \"q-1\" (key every query by its id)", raw(key("q-2"), good));
    assertRejected(AnswerRecord.Kind.UNSPECIFIED,
        "no kind set: set exactly one of mcq, moment, standing or cancel",
        raw(key(ID), Query.newBuilder().setQueryId(ID).build().toByteArray()));
  }

  @Test
  void mcqRulesAreChecked() throws Exception {
    assertRejected(AnswerRecord.Kind.MCQ,
        "mcq: empty narration (the sentence the right clip shows, e.g. \"#C C opens the drawer\")",
        mcq("  ", fiveChoices()));
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: 4 choices, expected exactly 5",
        mcq("x", fiveChoices().subList(0, 4)));
    List<ClipRange> six = new java.util.ArrayList<>(fiveChoices());
    six.add(range("d", 0, 1));
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: 6 choices, expected exactly 5", mcq("x", six));
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: choice 2 has no device_id", mcq("x", withChoice(2, range("", 0, 1))));
    assertRejected(AnswerRecord.Kind.MCQ,
        "mcq: choice 3 range [500, 500) is empty: end_ms must be after start_ms",
        mcq("x", withChoice(3, range("d", 500, 500))));
    assertRejected(AnswerRecord.Kind.MCQ,
        "mcq: choice 4 range [500, 400) is empty: end_ms must be after start_ms",
        mcq("x", withChoice(4, range("d", 500, 400))));
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: choice 0 start_ms -5 is negative",
        mcq("x", withChoice(0, range("d", -5, 400))));
    McqQuery.Builder negativeTimeout = McqQuery.newBuilder().setNarration("x").addAllChoices(fiveChoices())
        .setTimeoutMs(-1);
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: timeout_ms -1 is negative (0 takes the job's default)",
        record(Query.newBuilder().setQueryId(ID).setMcq(negativeTimeout).build()));
  }

  @Test
  void momentRulesAreChecked() throws Exception {
    assertRejected(AnswerRecord.Kind.MOMENT,
        "moment: empty text (describe the moment to find, e.g. \"#C C opens the drawer\")",
        record(moment(MomentQuery.newBuilder())));
    assertRejected(AnswerRecord.Kind.MOMENT, "moment: top_k -1 is negative (0 takes the default 10)",
        record(moment(MomentQuery.newBuilder().setText("x").setTopK(-1))));
    assertRejected(AnswerRecord.Kind.MOMENT,
        "moment: range [20, 20) is empty: to_ms must be after from_ms",
        record(moment(MomentQuery.newBuilder().setText("x").setFromMs(20).setToMs(20))));
    assertRejected(AnswerRecord.Kind.MOMENT,
        "moment: from_ms -1 / to_ms 0 must not be negative (0 leaves that side unbounded)",
        record(moment(MomentQuery.newBuilder().setText("x").setFromMs(-1))));
    assertRejected(AnswerRecord.Kind.MOMENT,
        "moment: device_ids[1] is empty (leave the list empty to mean all devices)",
        record(moment(MomentQuery.newBuilder().setText("x").addDeviceIds("a").addDeviceIds(""))));
  }

  @Test
  void standingRulesAreChecked() throws Exception {
    assertRejected(AnswerRecord.Kind.STANDING, "standing: empty text (describe the moment to watch for)",
        record(Query.newBuilder().setQueryId(ID).setStanding(StandingQuery.newBuilder().setThreshold(0.5f)).build()));
    for (float bad : new float[] {1.01f, -1.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
      assertRejected(AnswerRecord.Kind.STANDING,
          "standing: threshold " + bad + " is not a cosine similarity in [-1, 1]", record(standing(bad)));
    }
  }

  // ---- limits (QueryLimits): a dead letter and an ERROR answer naming the option ----

  @Test
  void aQueryIdOverItsLimitIsRejected() throws Exception {
    String longId = "q".repeat(QueryLimits.QUERY_ID_MAX_BYTES.defaultValue() + 1);
    harness.processElement(new StreamRecord<>(record(Query.newBuilder().setQueryId(longId)
        .setMoment(MomentQuery.newBuilder().setText("x")).build())));
    assertEquals(List.of(), harness.extractOutputValues());
    String reason = "query_id is 257 bytes, more than " + QueryLimits.QUERY_ID_MAX_BYTES.key()
        + " (256) (use a shorter id, e.g. a UUID)";
    assertEquals(List.of(reason), deadLetters().stream().map(d -> d.reason).toList());
    assertEquals(List.of("invalid query: " + reason), errorAnswers().stream().map(a -> a.reason).toList());
    assertEquals(longId, errorAnswers().get(0).queryId, "answered to its id (the answer serializer cuts it if huge)");

    harness.getSideOutput(DecodeQueries.DEAD_LETTERS).clear();
    String longest = "q".repeat(QueryLimits.QUERY_ID_MAX_BYTES.defaultValue());
    harness.processElement(new StreamRecord<>(record(Query.newBuilder().setQueryId(longest)
        .setMoment(MomentQuery.newBuilder().setText("x")).build())));
    assertEquals(List.of(), deadLetters(), "an id at the limit is accepted");
    assertEquals(longest, harness.extractOutputValues().get(0).queryId);
  }

  @Test
  void textsOverTheirLimitInBytesAreRejected() throws Exception {
    String over = "é".repeat(QueryLimits.TEXT_MAX_BYTES.defaultValue() / 2 + 1); // 513 characters, 1026 bytes
    String why = " is 1026 bytes, more than " + QueryLimits.TEXT_MAX_BYTES.key()
        + " (1024) (the model reads only the first few dozen tokens: shorten it)";
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: narration" + why, mcq(over, fiveChoices()));
    assertRejected(AnswerRecord.Kind.MOMENT, "moment: text" + why, record(moment(MomentQuery.newBuilder()
        .setText(over))));
    assertRejected(AnswerRecord.Kind.STANDING, "standing: text" + why, record(Query.newBuilder().setQueryId(ID)
        .setStanding(StandingQuery.newBuilder().setText(over).setThreshold(0.5f)).build()));
    accepted(moment(MomentQuery.newBuilder().setText("é".repeat(QueryLimits.TEXT_MAX_BYTES.defaultValue() / 2))));
  }

  @Test
  void deviceListsAndDeviceIdsOverTheirLimitsAreRejected() throws Exception {
    MomentQuery.Builder many = MomentQuery.newBuilder().setText("x");
    for (int i = 0; i <= QueryLimits.DEVICES_MAX.defaultValue(); i++) {
      many.addDeviceIds("d" + i);
    }
    assertRejected(AnswerRecord.Kind.MOMENT, "moment: 65 device_ids, more than " + QueryLimits.DEVICES_MAX.key()
        + " (64) (leave the list empty to mean all devices)", record(moment(many)));
    String longDevice = "d".repeat(QueryLimits.DEVICE_ID_MAX_BYTES.defaultValue() + 1);
    assertRejected(AnswerRecord.Kind.STANDING, "standing: device_ids[1] is 129 bytes, more than "
        + QueryLimits.DEVICE_ID_MAX_BYTES.key() + " (128)", record(Query.newBuilder().setQueryId(ID)
            .setStanding(StandingQuery.newBuilder().setText("x").setThreshold(0.5f).addDeviceIds("a")
                .addDeviceIds(longDevice)).build()));
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: choice 1 device_id is 129 bytes, more than "
        + QueryLimits.DEVICE_ID_MAX_BYTES.key() + " (128)", mcq("x", withChoice(1, range(longDevice, 0, 1))));
  }

  @Test
  void mcqChoicesTooFarAheadOrTooLongAndTimeoutsTooLargeAreRejected() throws Exception {
    long latestEnd = NOW + QueryLimits.RANGE_MAX_FUTURE_MS.defaultValue();
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: choice 2 ends at " + (latestEnd + 1) + ", more than "
        + QueryLimits.RANGE_MAX_FUTURE_MS.key() + " (600000) after the job's clock (" + NOW + "): capture times are "
        + "wall-clock ms since the epoch", mcq("x", withChoice(2, range("d", latestEnd - 1_000, latestEnd + 1))));
    assertRejected(AnswerRecord.Kind.MCQ, "mcq: choice 0 range [0, 600001) is 600001 ms long, more than "
        + QueryLimits.RANGE_MAX_LENGTH_MS.key() + " (600000)", mcq("x", withChoice(0, range("d", 0, 600_001))));
    for (long timeout : new long[] {QueryLimits.MCQ_MAX_TIMEOUT_MS.defaultValue() + 1, Long.MAX_VALUE}) {
      assertRejected(AnswerRecord.Kind.MCQ, "mcq: timeout_ms " + timeout + " is more than "
          + QueryLimits.MCQ_MAX_TIMEOUT_MS.key() + " (600000)", record(Query.newBuilder().setQueryId(ID).setMcq(McqQuery
              .newBuilder().setNarration("x").addAllChoices(fiveChoices()).setTimeoutMs(timeout)).build()));
    }
    // At the limits exactly: accepted.
    accepted(Query.newBuilder().setQueryId(ID).setMcq(McqQuery.newBuilder().setNarration("x")
        .addAllChoices(withChoice(2, range("d", latestEnd - 600_000, latestEnd)))
        .setTimeoutMs(QueryLimits.MCQ_MAX_TIMEOUT_MS.defaultValue())).build());
  }

  @Test
  void aThresholdBelowTheFloorIsRejectedUnlessTheOptionAllowsIt() throws Exception {
    assertRejected(AnswerRecord.Kind.STANDING, "standing: threshold -1.0 is below "
        + QueryLimits.STANDING_MIN_THRESHOLD.key() + " (0.0): it would fire on most clips (raise it)",
        record(standing(-1f)));
    close();
    Configuration anyThreshold = new Configuration();
    anyThreshold.set(QueryLimits.STANDING_MIN_THRESHOLD, -1f);
    open(QueryLimits.from(anyThreshold));
    assertEquals(-1f, accepted(standing(-1f)).threshold);
  }

  @Test
  void neverThrowsWhateverTheBytesAndEveryRejectionIsAnswered() throws Exception {
    Random random = new Random(11);
    byte[] good = moment(MomentQuery.newBuilder().setText("pour water").addDeviceIds("a").setTopK(3)).toByteArray();
    for (int i = 0; i < 400; i++) {
      byte[] value = good.clone();
      for (int changes = 1 + random.nextInt(3); changes > 0; changes--) {
        value[random.nextInt(value.length)] ^= (byte) (1 + random.nextInt(255));
      }
      harness.processElement(new StreamRecord<>(raw(key(ID), value)));
      int queries = harness.extractOutputValues().size();
      int dead = deadLetters().size();
      int answers = errorAnswers().size();
      assertTrue(queries == 1 && dead == 0 && answers == 0 || queries == 0 && dead == 1 && answers == 1,
          "a query, or a dead letter and an error answer, for record " + i);
      harness.getOutput().clear();
      harness.getSideOutput(DecodeQueries.DEAD_LETTERS).clear();
      harness.getSideOutput(DecodeQueries.ERROR_ANSWERS).clear();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private QueryRecord accepted(Query query) throws Exception {
    harness.processElement(new StreamRecord<>(record(query)));
    List<QueryRecord> out = harness.extractOutputValues();
    assertEquals(List.of(), deadLetters(), "no dead letter expected");
    assertEquals(ID, out.get(out.size() - 1).queryId);
    return out.get(out.size() - 1);
  }

  private void assertRejected(AnswerRecord.Kind kind, String reason, RawRecord record) throws Exception {
    assertEquals(reason, rejected(record, kind));
  }

  /**
   * Processes {@code record}, asserts that it produced exactly one dead letter (byte for byte) and one ERROR answer
   * of {@code kind} with the same reason, and nothing else; returns the reason.
   */
  private String rejected(RawRecord record, AnswerRecord.Kind kind) throws Exception {
    int before = harness.extractOutputValues().size();
    harness.processElement(new StreamRecord<>(record));
    assertEquals(before, harness.extractOutputValues().size(), "nothing on the main output");
    List<DeadLetterRecord> dead = deadLetters();
    List<AnswerRecord> answers = errorAnswers();
    harness.getSideOutput(DecodeQueries.DEAD_LETTERS).clear();
    harness.getSideOutput(DecodeQueries.ERROR_ANSWERS).clear();
    assertEquals(1, dead.size());
    assertEquals(1, answers.size());
    DeadLetterRecord letter = dead.get(0);
    assertArrayEquals(record.value, letter.originalValue);
    assertArrayEquals(record.key, letter.originalKey);
    assertEquals(record.offset, letter.sourceOffset);
    assertEquals(NOW, letter.timeMs);
    AnswerRecord answer = answers.get(0);
    assertEquals(ID, answer.queryId);
    assertEquals(kind, answer.kind);
    assertEquals(AnswerRecord.Status.ERROR, answer.status);
    assertEquals("invalid query: " + letter.reason, answer.reason);
    assertEquals(NOW - INGEST, answer.latencyMs);
    assertEquals(NOW, answer.answerTimeMs);
    return letter.reason;
  }

  private List<DeadLetterRecord> deadLetters() {
    var side = harness.getSideOutput(DecodeQueries.DEAD_LETTERS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  private List<AnswerRecord> errorAnswers() {
    var side = harness.getSideOutput(DecodeQueries.ERROR_ANSWERS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  private static Query moment(MomentQuery.Builder moment) {
    return Query.newBuilder().setQueryId(ID).setMoment(moment).build();
  }

  private static Query standing(float threshold) {
    return Query.newBuilder().setQueryId(ID)
        .setStanding(StandingQuery.newBuilder().setText("x").setThreshold(threshold)).build();
  }

  private static RawRecord mcq(String narration, List<ClipRange> choices) {
    return record(Query.newBuilder().setQueryId(ID)
        .setMcq(McqQuery.newBuilder().setNarration(narration).addAllChoices(choices)).build());
  }

  private static List<ClipRange> fiveChoices() {
    return List.of(range("a", 0, 1), range("b", 0, 1), range("c", 0, 1), range("d", 0, 1), range("e", 0, 1));
  }

  private static List<ClipRange> withChoice(int i, ClipRange choice) {
    List<ClipRange> choices = new java.util.ArrayList<>(fiveChoices());
    choices.set(i, choice);
    return choices;
  }

  private static ClipRange range(String device, long start, long end) {
    return ClipRange.newBuilder().setDeviceId(device).setStartMs(start).setEndMs(end).build();
  }

  private static RawRecord record(Query query) {
    return raw(key(query.getQueryId()), query.toByteArray());
  }

  private static RawRecord raw(byte[] key, byte[] value) {
    return new RawRecord("ego.queries", 0, 42, NOW - 40, key, value, INGEST);
  }

  private static byte[] key(String id) {
    return id.isEmpty() ? null : id.getBytes(StandardCharsets.UTF_8);
  }
}
