package io.egostream.operators.query;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ProtocolStringList;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.DeadLetters;
import io.egostream.operators.records.QueryRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.operators.records.Reasons;
import io.egostream.operators.records.Rejected;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns each record of topic ego.queries (a {@code Query}) into a {@link QueryRecord}, checking every rule of the
 * wire contract on the way. A record that breaks one goes to {@link #DEAD_LETTERS}, byte for byte, with the first
 * broken rule as its reason; and, because a sender must never wait for an answer that will not come, also to
 * {@link #ERROR_ANSWERS} as an answer with status ERROR and the same reason. This function never throws for a bad
 * record.
 *
 * <p>The error answer goes to the query's {@code query_id}; when the record has none (it does not parse, or the
 * field is empty) to its record key, which the contract makes the query id; a record with neither can only be
 * dead-lettered.
 *
 * <p>The record key must equal {@code query_id}, as the contract says: Kafka keeps order only within a partition, and
 * a standing query's cancel must not overtake the query itself.
 *
 * <p>Defaults and limits applied here, so later operators see complete queries: a moment query's {@code top_k} of 0
 * becomes {@value #DEFAULT_TOP_K}, and one above {@value #MAX_TOP_K} is cut to {@value #MAX_TOP_K} (every parallel
 * clip store sends that many hits to the merge). The {@link QueryLimits} of a single query (lengths of ids and texts,
 * device lists, MCQ ranges and timeouts, the standing threshold's floor) are checked here, before the text is
 * embedded; a query over one is rejected like any other bad query, the reason naming the option's key. Time ranges
 * are checked against the job's clock (processing time) only where they hold state: an MCQ choice ending far ahead
 * would keep its query and choice requests waiting until then; a moment query's range only filters stored clips.
 *
 * <p>Metrics: {@code queriesDecoded}, {@code deadLetters}.
 */
public class DecodeQueries extends ProcessFunction<RawRecord, QueryRecord> {
  private static final long serialVersionUID = 1L;

  /** Records that could not be used, with why; the job writes them to ego.deadletter. */
  public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
      new OutputTag<>("query-dead-letters", TypeInformation.of(DeadLetterRecord.class));

  /** An ERROR answer for every dead-lettered query that names an id; the job writes them to ego.answers. */
  public static final OutputTag<AnswerRecord> ERROR_ANSWERS =
      new OutputTag<>("query-error-answers", TypeInformation.of(AnswerRecord.class));

  /** Hits of a moment query that asks for {@code top_k} 0 (the contract's default). */
  public static final int DEFAULT_TOP_K = 10;
  /** Most hits a moment query gets; larger {@code top_k} are cut to this. */
  public static final int MAX_TOP_K = 1000;
  /** Choices of an MCQ query (EgoMCQ's five). */
  public static final int MCQ_CHOICES = 5;

  private final QueryLimits limits;

  private final DeadLetters deadLetters = new DeadLetters(DEAD_LETTERS);

  private transient Counter queriesDecoded;

  public DecodeQueries(QueryLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public void open(OpenContext openContext) {
    queriesDecoded = getRuntimeContext().getMetricGroup().counter("queriesDecoded");
    deadLetters.open(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void processElement(RawRecord record, Context ctx, Collector<QueryRecord> out) {
    long now = ctx.timerService().currentProcessingTime();
    QueryRecord query;
    try {
      query = decode(record, now);
    } catch (QueryRejected e) {
      reject(record, e.queryId, e.kind, e.getMessage(), now, ctx);
      return;
    } catch (RuntimeException e) {
      // Input nobody foresaw must not fail the job; the record is kept for a look and the sender still gets an answer.
      reject(record, keyAsId(record), AnswerRecord.Kind.UNSPECIFIED, "unexpected error decoding the query: " + e, now,
          ctx);
      return;
    }
    // Outside the try: a failure downstream is never taken for a bad query.
    out.collect(query);
    queriesDecoded.inc();
  }

  private void reject(RawRecord record, String queryId, AnswerRecord.Kind kind, String reason, long now,
      Context ctx) {
    deadLetters.reject(record, reason, now, ctx);
    if (queryId != null && !queryId.isEmpty()) {
      ctx.output(ERROR_ANSWERS, new AnswerRecord(queryId, kind, AnswerRecord.Status.ERROR,
          "invalid query: " + reason, Math.max(0, now - record.ingestTimeMs), now));
    }
  }

  private QueryRecord decode(RawRecord record, long now) throws QueryRejected {
    String keyId = keyAsId(record);
    if (record.value == null) {
      throw new QueryRejected(keyId, AnswerRecord.Kind.UNSPECIFIED,
          "tombstone: the record has no value (expected a Query)");
    }
    if (record.value.length == 0) {
      throw new QueryRejected(keyId, AnswerRecord.Kind.UNSPECIFIED, "empty value: 0 bytes (expected a Query)");
    }
    Query proto;
    try {
      proto = Query.parseFrom(record.value);
    } catch (InvalidProtocolBufferException e) {
      throw new QueryRejected(keyId, AnswerRecord.Kind.UNSPECIFIED, "malformed Query protobuf: " + e.getMessage());
    }
    AnswerRecord.Kind kind = kindOf(proto);
    String id = proto.getQueryId();
    if (id.isEmpty()) {
      throw new QueryRejected(keyId, kind, "missing query_id (set a unique id; the answer carries it)");
    }
    // From here on the sender's own id addresses the error answer.
    if (proto.getQueryIdBytes().size() > limits.queryIdMaxBytes()) {
      throw new QueryRejected(id, kind, "query_id is " + proto.getQueryIdBytes().size() + " bytes, more than "
          + QueryLimits.QUERY_ID_MAX_BYTES.key() + " (" + limits.queryIdMaxBytes()
          + ") (use a shorter id, e.g. a UUID)");
    }
    if (record.key == null) {
      throw new QueryRejected(id, kind, "missing record key: it must equal query_id " + Reasons.quote(id));
    }
    // Byte comparison: the key is UTF-8 by contract, and a key that is not valid UTF-8 must not match by accident.
    if (!Arrays.equals(record.key, id.getBytes(StandardCharsets.UTF_8))) {
      throw new QueryRejected(id, kind, "record key " + Reasons.quote(new String(record.key, StandardCharsets.UTF_8))
          + " does not equal query_id " + Reasons.quote(id) + " (key every query by its id)");
    }

    QueryRecord q = new QueryRecord();
    q.queryId = id;
    q.sentTimeMs = proto.getSentTimeMs();
    q.ingestTimeMs = record.ingestTimeMs;
    switch (proto.getKindCase()) {
      case MCQ -> mcq(proto.getMcq(), q, now);
      case MOMENT -> moment(proto.getMoment(), q);
      case STANDING -> standing(proto.getStanding(), q);
      case CANCEL -> q.kind = QueryRecord.CANCEL;
      default -> throw new QueryRejected(id, kind, "no kind set: set exactly one of mcq, moment, standing or cancel");
    }
    return q;
  }

  private void mcq(McqQuery mcq, QueryRecord q, long now) throws QueryRejected {
    q.kind = QueryRecord.MCQ;
    if (mcq.getNarration().isBlank()) {
      throw invalid(q, "mcq: empty narration (the sentence the right clip shows, e.g. \"#C C opens the drawer\")");
    }
    checkText("mcq: narration", mcq.getNarrationBytes(), q);
    if (mcq.getChoicesCount() != MCQ_CHOICES) {
      throw invalid(q, "mcq: " + mcq.getChoicesCount() + " choices, expected exactly " + MCQ_CHOICES);
    }
    if (mcq.getTimeoutMs() < 0) {
      throw invalid(q, "mcq: timeout_ms " + mcq.getTimeoutMs() + " is negative (0 takes the job's default)");
    }
    if (mcq.getTimeoutMs() > limits.mcqMaxTimeoutMs()) {
      throw invalid(q, "mcq: timeout_ms " + mcq.getTimeoutMs() + " is more than " + QueryLimits.MCQ_MAX_TIMEOUT_MS.key()
          + " (" + limits.mcqMaxTimeoutMs() + ")");
    }
    q.text = mcq.getNarration();
    q.timeoutMs = mcq.getTimeoutMs();
    q.choiceDevices = new String[MCQ_CHOICES];
    q.choiceStartsMs = new long[MCQ_CHOICES];
    q.choiceEndsMs = new long[MCQ_CHOICES];
    for (int i = 0; i < MCQ_CHOICES; i++) {
      ClipRange c = mcq.getChoices(i);
      if (c.getDeviceId().isEmpty()) {
        throw invalid(q, "mcq: choice " + i + " has no device_id");
      }
      if (c.getDeviceIdBytes().size() > limits.deviceIdMaxBytes()) {
        throw invalid(q, "mcq: choice " + i + " device_id is " + c.getDeviceIdBytes().size() + " bytes, more than "
            + QueryLimits.DEVICE_ID_MAX_BYTES.key() + " (" + limits.deviceIdMaxBytes() + ")");
      }
      if (c.getStartMs() < 0) {
        throw invalid(q, "mcq: choice " + i + " start_ms " + c.getStartMs() + " is negative");
      }
      if (c.getEndMs() <= c.getStartMs()) {
        throw invalid(q, "mcq: choice " + i + " range [" + c.getStartMs() + ", " + c.getEndMs() + ") is empty: "
            + "end_ms must be after start_ms");
      }
      // No overflow: 0 <= start < end.
      if (c.getEndMs() - c.getStartMs() > limits.rangeMaxLengthMs()) {
        throw invalid(q, "mcq: choice " + i + " range [" + c.getStartMs() + ", " + c.getEndMs() + ") is "
            + (c.getEndMs() - c.getStartMs()) + " ms long, more than " + QueryLimits.RANGE_MAX_LENGTH_MS.key() + " ("
            + limits.rangeMaxLengthMs() + ")");
      }
      // now is a wall-clock time, far below Long.MAX_VALUE minus a limit of at most a year.
      if (c.getEndMs() > now + limits.rangeMaxFutureMs()) {
        throw invalid(q, "mcq: choice " + i + " ends at " + c.getEndMs() + ", more than "
            + QueryLimits.RANGE_MAX_FUTURE_MS.key() + " (" + limits.rangeMaxFutureMs() + ") after the job's clock ("
            + now + "): capture times are wall-clock ms since the epoch");
      }
      q.choiceDevices[i] = c.getDeviceId();
      q.choiceStartsMs[i] = c.getStartMs();
      q.choiceEndsMs[i] = c.getEndMs();
    }
  }

  private void moment(MomentQuery moment, QueryRecord q) throws QueryRejected {
    q.kind = QueryRecord.MOMENT;
    if (moment.getText().isBlank()) {
      throw invalid(q, "moment: empty text (describe the moment to find, e.g. \"#C C opens the drawer\")");
    }
    checkText("moment: text", moment.getTextBytes(), q);
    q.text = moment.getText();
    q.deviceIds = devices("moment", moment.getDeviceIdsList(), q);
    if (moment.getFromMs() < 0 || moment.getToMs() < 0) {
      throw invalid(q, "moment: from_ms " + moment.getFromMs() + " / to_ms " + moment.getToMs()
          + " must not be negative (0 leaves that side unbounded)");
    }
    if (moment.getFromMs() > 0 && moment.getToMs() > 0 && moment.getToMs() <= moment.getFromMs()) {
      throw invalid(q, "moment: range [" + moment.getFromMs() + ", " + moment.getToMs() + ") is empty: to_ms must "
          + "be after from_ms");
    }
    q.fromMs = moment.getFromMs();
    q.toMs = moment.getToMs();
    int topK = moment.getTopK();
    if (topK < 0) {
      throw invalid(q, "moment: top_k " + topK + " is negative (0 takes the default " + DEFAULT_TOP_K + ")");
    }
    q.topK = topK == 0 ? DEFAULT_TOP_K : Math.min(topK, MAX_TOP_K);
  }

  private void standing(StandingQuery standing, QueryRecord q) throws QueryRejected {
    q.kind = QueryRecord.STANDING;
    if (standing.getText().isBlank()) {
      throw invalid(q, "standing: empty text (describe the moment to watch for)");
    }
    checkText("standing: text", standing.getTextBytes(), q);
    float threshold = standing.getThreshold();
    // Written so that NaN fails too.
    if (!(threshold >= -1 && threshold <= 1)) {
      throw invalid(q, "standing: threshold " + threshold + " is not a cosine similarity in [-1, 1]");
    }
    if (threshold < limits.standingMinThreshold()) {
      throw invalid(q, "standing: threshold " + threshold + " is below " + QueryLimits.STANDING_MIN_THRESHOLD.key()
          + " (" + limits.standingMinThreshold() + "): it would fire on most clips (raise it)");
    }
    q.text = standing.getText();
    q.threshold = threshold;
    q.deviceIds = devices("standing", standing.getDeviceIdsList(), q);
  }

  private String[] devices(String kind, ProtocolStringList ids, QueryRecord q) throws QueryRejected {
    List<ByteString> utf8 = ids.asByteStringList();
    if (ids.size() > limits.devicesMax()) {
      throw invalid(q, kind + ": " + ids.size() + " device_ids, more than " + QueryLimits.DEVICES_MAX.key() + " ("
          + limits.devicesMax() + ") (leave the list empty to mean all devices)");
    }
    for (int i = 0; i < ids.size(); i++) {
      if (ids.get(i).isEmpty()) {
        throw invalid(q, kind + ": device_ids[" + i + "] is empty (leave the list empty to mean all devices)");
      }
      if (utf8.get(i).size() > limits.deviceIdMaxBytes()) {
        throw invalid(q, kind + ": device_ids[" + i + "] is " + utf8.get(i).size() + " bytes, more than "
            + QueryLimits.DEVICE_ID_MAX_BYTES.key() + " (" + limits.deviceIdMaxBytes() + ")");
      }
    }
    return ids.toArray(new String[0]);
  }

  /** Rejects a text longer than {@link QueryLimits#textMaxBytes()}; {@code what} names it in the reason. */
  private void checkText(String what, ByteString utf8, QueryRecord q) throws QueryRejected {
    if (utf8.size() > limits.textMaxBytes()) {
      throw invalid(q, what + " is " + utf8.size() + " bytes, more than " + QueryLimits.TEXT_MAX_BYTES.key() + " ("
          + limits.textMaxBytes() + ") (the model reads only the first few dozen tokens: shorten it)");
    }
  }

  private static AnswerRecord.Kind kindOf(Query proto) {
    return switch (proto.getKindCase()) {
      case MCQ -> AnswerRecord.Kind.MCQ;
      case MOMENT -> AnswerRecord.Kind.MOMENT;
      case STANDING -> AnswerRecord.Kind.STANDING;
      case CANCEL -> AnswerRecord.Kind.CANCEL;
      default -> AnswerRecord.Kind.UNSPECIFIED;
    };
  }

  /** A broken rule of the (already identified) query {@code q}. */
  private static QueryRejected invalid(QueryRecord q, String reason) {
    return new QueryRejected(q.queryId, q.answerKind(), reason);
  }

  /** The record key as a query id (the contract keys queries by id); null when there is no key. */
  private static String keyAsId(RawRecord record) {
    return record.key == null || record.key.length == 0 ? null : new String(record.key, StandardCharsets.UTF_8);
  }

  /** Why a query is rejected, and whom to tell; control flow only, so without a stack trace. */
  private static final class QueryRejected extends Rejected {
    private static final long serialVersionUID = 1L;
    final String queryId;
    final AnswerRecord.Kind kind;

    QueryRejected(String queryId, AnswerRecord.Kind kind, String reason) {
      super(reason);
      this.queryId = queryId;
      this.kind = kind;
    }
  }
}
