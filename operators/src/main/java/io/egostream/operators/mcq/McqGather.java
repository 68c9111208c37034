package io.egostream.operators.mcq;

import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.AnswerRecord.ChoiceSource;
import io.egostream.operators.records.AnswerRecord.Kind;
import io.egostream.operators.records.AnswerRecord.Status;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Answers MCQ queries (keyed by query id): collects the query with its narration embedding (input 1) and one
 * {@link ChoiceOutcome} per choice (input 2), scores every choice that has a clip embedding by cosine similarity with
 * the narration, and emits one {@link AnswerRecord} of kind MCQ: the argmax among the scored choices (-1 if none),
 * every score (NaN when unscored), every choice's source, a status and the latency.
 *
 * <p>The answer goes out when every choice has its outcome. Every choice gets one: the clip builder serves its range
 * or gives it up (at {@link McqSettings#giveUpAtMs}), and a given-up choice comes back from the stored-clip lookup,
 * found or missing. So the wait needs no event-time deadline, which would be wrong here: the watermark overtakes
 * choice clips queued for batched inference, and during a backlog it runs far ahead of them. A wall-clock safety
 * timer, {@link McqSettings#safetyTimeoutMs()} after the give-up time ({@link McqSettings#answerByMs}), answers
 * with what has arrived if an outcome was lost (a clip the model rejected); choices without an outcome then count as
 * missing. Status: OK when every choice was scored, PARTIAL when some were, TIMED_OUT when none were, ERROR (at once)
 * for a query whose choices are malformed or that has no embedding. Every answer clears the query's state and deletes
 * its timer.
 *
 * <p>Outcomes may overtake their query (they travel a different path), so an outcome for a query not seen yet is kept
 * and waits for it, under a safety timer of its own ({@link McqSettings#safetyTimeoutMs()} of wall-clock time); if the
 * query never comes (the outcome is late for a query already answered), the outcome is dropped and counted in
 * {@code orphanOutcomes}. Queries of other kinds are ignored: the job routes only MCQs here. Metrics:
 * {@code answersOk}, {@code answersPartial}, {@code answersTimedOut}, {@code answersError}, {@code orphanOutcomes}.
 */
public class McqGather extends KeyedCoProcessFunction<String, EmbeddedQuery, ChoiceOutcome, AnswerRecord> {
  private static final long serialVersionUID = 1L;

  private final McqSettings settings;

  /** The query being answered; null while only outcomes have arrived. */
  private transient ValueState<EmbeddedQuery> pendingQuery;
  /** Choice index → its outcome, as they arrive (possibly before the query). */
  private transient MapState<Integer, ChoiceOutcome> outcomes;
  /** Wall-clock time of the pending safety timer; null when none is set. */
  private transient ValueState<Long> safetyTimer;

  private transient Counter answersOk;
  private transient Counter answersPartial;
  private transient Counter answersTimedOut;
  private transient Counter answersError;
  private transient Counter orphanOutcomes;

  public McqGather(McqSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    pendingQuery = getRuntimeContext().getState(
        new ValueStateDescriptor<>("mcq-query", TypeInformation.of(EmbeddedQuery.class)));
    outcomes = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("mcq-outcomes", Types.INT, TypeInformation.of(ChoiceOutcome.class)));
    safetyTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("mcq-safety-timer", Types.LONG));
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    answersOk = metrics.counter("answersOk");
    answersPartial = metrics.counter("answersPartial");
    answersTimedOut = metrics.counter("answersTimedOut");
    answersError = metrics.counter("answersError");
    orphanOutcomes = metrics.counter("orphanOutcomes");
  }

  /** Five (or any number of) choices, as parallel arrays of one length. */
  static boolean hasWellFormedChoices(QueryRecord query) {
    return query.choiceDevices != null && query.choiceDevices.length > 0 && query.choiceStartsMs != null
        && query.choiceEndsMs != null && query.choiceStartsMs.length == query.choiceDevices.length
        && query.choiceEndsMs.length == query.choiceDevices.length;
  }

  @Override
  public void processElement1(EmbeddedQuery embedded, Context ctx, Collector<AnswerRecord> out) throws Exception {
    QueryRecord query = embedded.query;
    if (query == null || !QueryRecord.MCQ.equals(query.kind)) {
      return;
    }
    if (pendingQuery.value() != null) {
      return; // the same query id again while the first is pending: the first one is answered
    }
    long now = ctx.timerService().currentProcessingTime();
    if (!hasWellFormedChoices(query) || embedded.textEmbedding == null) {
      String why = embedded.textEmbedding == null ? "the narration has no embedding"
          : "the choices are malformed: devices, starts and ends must be non-empty arrays of one length";
      AnswerRecord answer = new AnswerRecord(query.queryId, Kind.MCQ, Status.ERROR, why, 0, now);
      answer.mcqScores = new float[0];
      answer.mcqSources = new ChoiceSource[0];
      answersError.inc();
      out.collect(answer);
      clear(ctx); // outcomes that overtook it, if any
      return;
    }
    pendingQuery.update(embedded);
    // Choices no clip can be built for are missing from the start (FanOutChoices sent no request for them).
    for (int i = 0; i < query.choiceDevices.length; i++) {
      if (!ChoiceRequest.isValidRange(query.choiceDevices[i], query.choiceStartsMs[i], query.choiceEndsMs[i])
          && !outcomes.contains(i)) {
        outcomes.put(i, ChoiceOutcome.missing(query.queryId, i, "invalid range [" + query.choiceStartsMs[i] + ", "
            + query.choiceEndsMs[i] + ") of device " + query.choiceDevices[i]));
      }
    }
    if (allChoicesIn(query)) {
      answer(ctx, out, null);
      return;
    }
    replaceSafetyTimer(ctx, Math.max(settings.answerByMs(query), now));
  }

  @Override
  public void processElement2(ChoiceOutcome outcome, Context ctx, Collector<AnswerRecord> out) throws Exception {
    if (outcomes.contains(outcome.choice)) {
      return; // one outcome per choice; the first one stands
    }
    outcomes.put(outcome.choice, outcome);
    EmbeddedQuery embedded = pendingQuery.value();
    if (embedded == null) {
      // Overtook its query (or is late for one already answered): wait for it, but not forever.
      if (safetyTimer.value() == null) {
        replaceSafetyTimer(ctx, ctx.timerService().currentProcessingTime() + settings.safetyTimeoutMs());
      }
      return;
    }
    if (allChoicesIn(embedded.query)) {
      answer(ctx, out, null);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnswerRecord> out) throws Exception {
    EmbeddedQuery embedded = pendingQuery.value();
    if (embedded == null) {
      // Only outcomes, and their query never came.
      for (Integer ignored : outcomes.keys()) {
        orphanOutcomes.inc();
      }
      clear(ctx);
      return;
    }
    answer(ctx, out, "gave up waiting at wall-clock " + timestamp + " (watermark "
        + ctx.timerService().currentWatermark() + ")");
  }

  /** Scores what has arrived, emits the answer, clears the state and the timer. */
  private void answer(Context ctx, Collector<AnswerRecord> out, String timeoutReason) throws Exception {
    EmbeddedQuery embedded = pendingQuery.value();
    QueryRecord query = embedded.query;
    int n = query.choiceDevices.length;
    float[] scores = new float[n];
    ChoiceSource[] sources = new ChoiceSource[n];
    List<String> notScored = new ArrayList<>();
    int best = -1;
    long newestIngest = query.ingestTimeMs;
    for (int i = 0; i < n; i++) {
      ChoiceOutcome outcome = outcomes.get(i);
      float score = outcome != null && outcome.isScorable() ? cosine(embedded.textEmbedding, outcome.embedding)
          : Float.NaN;
      scores[i] = score;
      if (Float.isNaN(score)) {
        sources[i] = ChoiceSource.MISSING;
        notScored.add("choice " + i + ": " + (outcome == null ? "no clip by then"
            : outcome.isScorable() ? "embedding does not match the narration's (" + outcome.embedding.length + " vs "
                + embedded.textEmbedding.length + " values)"
            : outcome.reason));
        continue;
      }
      sources[i] = outcome.source;
      newestIngest = Math.max(newestIngest, outcome.ingestTimeMs);
      if (best < 0 || score > scores[best]) {
        best = i; // ties keep the earlier choice
      }
    }
    int scored = n - notScored.size();
    Status status = scored == n ? Status.OK : scored > 0 ? Status.PARTIAL : Status.TIMED_OUT;
    String reason = null;
    if (status != Status.OK) {
      reason = (timeoutReason == null ? "" : timeoutReason + "; ") + String.join("; ", notScored);
    }
    long now = ctx.timerService().currentProcessingTime();
    AnswerRecord answer = new AnswerRecord(query.queryId, Kind.MCQ, status, reason, Math.max(0, now - newestIngest),
        now);
    answer.mcqChoice = best;
    answer.mcqScores = scores;
    answer.mcqSources = sources;
    switch (status) {
      case OK -> answersOk.inc();
      case PARTIAL -> answersPartial.inc();
      default -> answersTimedOut.inc();
    }
    out.collect(answer);
    clear(ctx);
  }

  private boolean allChoicesIn(QueryRecord query) throws Exception {
    for (int i = 0; i < query.choiceDevices.length; i++) {
      if (!outcomes.contains(i)) {
        return false;
      }
    }
    return true;
  }

  private void replaceSafetyTimer(Context ctx, long at) throws Exception {
    Long previous = safetyTimer.value();
    if (previous != null) {
      ctx.timerService().deleteProcessingTimeTimer(previous);
    }
    ctx.timerService().registerProcessingTimeTimer(at);
    safetyTimer.update(at);
  }

  /** Deletes the pending timer and all of the query's state. */
  private void clear(Context ctx) throws Exception {
    Long safety = safetyTimer.value();
    if (safety != null) {
      ctx.timerService().deleteProcessingTimeTimer(safety);
    }
    pendingQuery.clear();
    outcomes.clear();
    safetyTimer.clear();
  }

  /** Cosine similarity; NaN when the lengths differ or a vector is zero. */
  static float cosine(float[] a, float[] b) {
    if (a.length != b.length) {
      return Float.NaN;
    }
    double dot = 0;
    double normA = 0;
    double normB = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      normA += (double) a[i] * a[i];
      normB += (double) b[i] * b[i];
    }
    // Both are L2-normalised already; dividing anyway keeps a score in [-1, 1] whatever the producer did.
    return normA == 0 || normB == 0 ? Float.NaN : (float) (dot / Math.sqrt(normA * normB));
  }
}
