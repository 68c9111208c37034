package io.egostream.operators.query;

import io.egostream.model.SvittEgo;
import io.egostream.model.TextEmbedding;
import io.egostream.operators.inference.BatchBuffer;
import io.egostream.operators.inference.BatchRunner;
import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.inference.EmbedClips;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds query texts with SViTT-Ego's text encoder in batches: one {@link EmbeddedQuery} per {@link QueryRecord}, in
 * the order the queries arrived in their lane. Batching is {@link EmbedClips}'s ({@link BatchBuffer},
 * {@link BatchSettings}): a batch runs when full, or {@code maxWaitMs} after its first query.
 *
 * <p><b>Cancels</b> never reach the model (they carry no text) but still wait in the buffer with the queries around
 * them: a cancel that overtook its own standing query, still waiting for its batch, would find nothing to cancel. For
 * the same reason the job must key queries by {@link #lane(String, int)} of the <em>query id</em>, so that a standing
 * query and its cancel share a lane. The cost is that a cancel may wait up to {@code maxWaitMs}.
 *
 * <p>Every text query (MCQ, moment, standing) is embedded; the output carries the model id, so that the clip store
 * compares it only with clips of the same model. A text the model's tokenizer reads no token from (control
 * characters only, say) is answered ERROR on {@link #ERROR_ANSWERS} at once and never enters the buffer, so it is in
 * no checkpoint; a text the model itself fails on is found by {@link BatchRunner}, which runs a failed batch again
 * text by text, and is answered ERROR too. Nothing a query holds fails the task.
 *
 * <p>Time: as in {@link EmbedClips}, records flushed by the timer carry no stream timestamp; nothing downstream needs
 * one.
 *
 * <p>The model is loaded once per task in {@link #open} and closed in {@link #close}. Metrics: {@code batchSize},
 * {@code inferenceLatencyMs}, {@code batchesRetried} and {@code textsFailed} ({@link BatchRunner}'s),
 * {@code queueWaitMs} ({@link BatchBuffer}'s, per query), {@code embeddedTexts}, {@code truncatedTexts} and
 * {@code unreadableTexts} (counters; the last counts texts without tokens).
 */
public class EmbedTexts extends KeyedProcessFunction<Integer, QueryRecord, EmbeddedQuery> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EmbedTexts.class);

  /** Queries whose text the model cannot embed, answered with status ERROR and why; the job writes them to answers. */
  public static final OutputTag<AnswerRecord> ERROR_ANSWERS =
      new OutputTag<>("text-error-answers", TypeInformation.of(AnswerRecord.class));

  private final ModelSource modelSource;
  private final BatchSettings settings;

  private transient SvittEgo model;
  private transient BatchBuffer<QueryRecord> buffer;
  private transient BatchRunner runner;
  private transient Counter embeddedTexts;
  private transient Counter truncatedTexts;
  private transient Counter unreadableTexts;

  public EmbedTexts(ModelSource modelSource, BatchSettings settings) {
    this.modelSource = Objects.requireNonNull(modelSource, "modelSource");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * The lane a query is keyed by: {@code floorMod(queryId.hashCode(), lanes)} (as {@link EmbedClips#lane}). Keyed by
   * query id, a standing query and its cancel always share a lane, so they stay in order.
   */
  public static int lane(String queryId, int lanes) {
    return EmbedClips.lane(queryId, lanes);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    buffer = new BatchBuffer<>(getRuntimeContext(), "texts", TypeInformation.of(QueryRecord.class), settings);

    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    runner = new BatchRunner(metrics, "textsFailed", LOG);
    embeddedTexts = metrics.counter("embeddedTexts");
    truncatedTexts = metrics.counter("truncatedTexts");
    unreadableTexts = metrics.counter("unreadableTexts");

    model = modelSource.loadForTask(getRuntimeContext(), "embeds query texts, " + settings);
  }

  @Override
  public void processElement(QueryRecord query, Context ctx, Collector<EmbeddedQuery> out) throws Exception {
    if (hasText(query)) {
      try {
        model.tokenizer().encode(query.text); // throws for a text without tokens, as embedTexts would in the batch
      } catch (RuntimeException e) {
        unreadableTexts.inc();
        error(query, "invalid query: text cannot be embedded: " + e.getMessage(), ctx);
        return;
      }
    }
    emit(buffer.add(query, ctx.timerService()), ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<EmbeddedQuery> out) throws Exception {
    emit(buffer.onTimer(timestamp, ctx.timeDomain(), ctx.timerService()), ctx, out);
  }

  @Override
  public void close() throws Exception {
    if (model != null) {
      model.close();
      model = null;
    }
  }

  /**
   * Embeds the batch's texts in one model call (text by text if that call fails) and emits every query of the batch
   * in arrival order; a query whose text the model fails on alone is answered ERROR.
   */
  private void emit(List<QueryRecord> batch, Context ctx, Collector<EmbeddedQuery> out) {
    if (batch.isEmpty()) {
      return;
    }
    List<QueryRecord> withText = batch.stream().filter(EmbedTexts::hasText).toList();

    List<BatchRunner.Outcome<TextEmbedding>> outcomes = runner.run(withText,
        queries -> model.embedTexts(queries.stream().map(q -> q.text).toList()),
        query -> "the text of query " + query.queryId);

    int next = 0;
    for (QueryRecord query : batch) {
      if (!hasText(query)) {
        out.collect(new EmbeddedQuery(query, null, false, null));
        continue;
      }
      BatchRunner.Outcome<TextEmbedding> outcome = outcomes.get(next++);
      if (outcome.failed()) {
        error(query, "model failed on this query's text: " + outcome.failure(), ctx);
        continue;
      }
      TextEmbedding embedding = outcome.output();
      embeddedTexts.inc();
      if (embedding.truncated()) {
        truncatedTexts.inc();
      }
      out.collect(new EmbeddedQuery(query, embedding.vector(), embedding.truncated(), model.modelId()));
    }
  }

  private static void error(QueryRecord query, String reason, Context ctx) {
    long now = ctx.timerService().currentProcessingTime();
    ctx.output(ERROR_ANSWERS, new AnswerRecord(query.queryId, query.answerKind(), AnswerRecord.Status.ERROR, reason,
        Math.max(0, now - query.ingestTimeMs), now));
  }

  /** Cancels carry no text; every other kind does (the decoder refused the ones without). */
  private static boolean hasText(QueryRecord query) {
    return !QueryRecord.CANCEL.equals(query.kind) && query.text != null;
  }
}
