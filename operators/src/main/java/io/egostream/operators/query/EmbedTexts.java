package io.egostream.operators.query;

import io.egostream.model.SvittEgo;
import io.egostream.model.TextEmbedding;
import io.egostream.operators.inference.BatchBuffer;
import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.inference.DeviceSelection;
import io.egostream.operators.inference.EmbedClips;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
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
 * compares it only with clips of the same model. Time: as in {@link EmbedClips}, records flushed by the timer carry
 * no stream timestamp; nothing downstream needs one.
 *
 * <p>The model is loaded once per task in {@link #open} and closed in {@link #close}. Metrics: {@code batchSize} and
 * {@code inferenceLatencyMs} (histograms, per model call), {@code queueWaitMs} (histogram, per query),
 * {@code embeddedTexts} and {@code truncatedTexts} (counters).
 */
public class EmbedTexts extends KeyedProcessFunction<Integer, QueryRecord, EmbeddedQuery> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EmbedTexts.class);

  /** Values each histogram keeps for its statistics. */
  private static final int HISTOGRAM_WINDOW = 500;

  private final ModelSource modelSource;
  private final BatchSettings settings;

  private transient SvittEgo model;
  private transient BatchBuffer<QueryRecord> buffer;
  private transient Histogram batchSize;
  private transient Histogram inferenceLatencyMs;
  private transient Histogram queueWaitMs;
  private transient Counter embeddedTexts;
  private transient Counter truncatedTexts;

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
    batchSize = metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    inferenceLatencyMs = metrics.histogram("inferenceLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    queueWaitMs = metrics.histogram("queueWaitMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    embeddedTexts = metrics.counter("embeddedTexts");
    truncatedTexts = metrics.counter("truncatedTexts");

    model = modelSource.load(DeviceSelection.forTask(getRuntimeContext()));
    LOG.info("{} embeds query texts with {} from {}, {}",
        getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(), model.modelId(), modelSource, settings);
  }

  @Override
  public void processElement(QueryRecord query, Context ctx, Collector<EmbeddedQuery> out) throws Exception {
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

  /** Embeds the batch's texts in one model call and emits every query of the batch in arrival order. */
  private void emit(List<BatchBuffer.Buffered<QueryRecord>> batch, Context ctx, Collector<EmbeddedQuery> out) {
    if (batch.isEmpty()) {
      return;
    }
    long now = ctx.timerService().currentProcessingTime();
    List<String> texts = new ArrayList<>();
    for (BatchBuffer.Buffered<QueryRecord> buffered : batch) {
      queueWaitMs.update(now - buffered.arrivedAtMs());
      if (hasText(buffered.item())) {
        texts.add(buffered.item().text);
      }
    }

    List<TextEmbedding> embeddings = List.of();
    if (!texts.isEmpty()) {
      long start = System.nanoTime();
      embeddings = model.embedTexts(texts);
      inferenceLatencyMs.update((System.nanoTime() - start) / 1_000_000);
      batchSize.update(texts.size());
      embeddedTexts.inc(texts.size());
    }

    int next = 0;
    for (BatchBuffer.Buffered<QueryRecord> buffered : batch) {
      QueryRecord query = buffered.item();
      if (!hasText(query)) {
        out.collect(new EmbeddedQuery(query, null, false, null));
        continue;
      }
      TextEmbedding embedding = embeddings.get(next++);
      if (embedding.truncated()) {
        truncatedTexts.inc();
      }
      out.collect(new EmbeddedQuery(query, embedding.vector(), embedding.truncated(), model.modelId()));
    }
  }

  /** Cancels carry no text; every other kind does (the decoder refused the ones without). */
  private static boolean hasText(QueryRecord query) {
    return !QueryRecord.CANCEL.equals(query.kind) && query.text != null;
  }
}
