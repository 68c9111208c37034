package io.egostream.operators.inference;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;

/**
 * The batching core of the inference operators ({@link EmbedClips}, and {@code EmbedTexts} for query texts): per
 * key, a buffer that fills up to {@link BatchSettings#maxBatchSize()} items, and one processing-time timer, set when
 * the first item arrives, that flushes a batch still not full {@link BatchSettings#maxWaitMs()} later.
 *
 * <p>Everything lives in keyed state (the items, their count, the pending timer's time), so a half-full batch is part
 * of every checkpoint and comes back on restore, its timer with it. A batch leaves the state before it is handed
 * over, on every path: so an item is in no checkpoint taken after its batch was processed, and one that broke its
 * batch cannot come back with a restore (run batches with {@link BatchRunner}, which isolates such an item).
 *
 * <p>Use it from a {@code KeyedProcessFunction}: create it in {@code open()}, call {@link #add} from
 * {@code processElement} and {@link #onTimer} from {@code onTimer}. One buffer per function: a function's
 * processing-time timers are shared, and two buffers whose timers fell on the same millisecond would share one timer.
 *
 * <p>Metric: {@code queueWaitMs} (histogram, per item: processing time from entering the buffer to its batch's
 * hand-over).
 *
 * @param <T> what is batched
 */
public final class BatchBuffer<T> {
  /** Values the queueWaitMs histogram keeps for its statistics. */
  private static final int HISTOGRAM_WINDOW = 500;

  private final BatchSettings settings;
  /** The items waiting, in arrival order, each with its arrival time (f1, processing time). */
  private final ListState<Tuple2<T, Long>> items;
  /** How many items wait: counted apart so that adding one does not read (and deserialise) the whole buffer. */
  private final ValueState<Integer> count;
  /** Processing time of the pending flush timer; null when none is set, which is exactly when the buffer is empty. */
  private final ValueState<Long> flushAt;
  private final Histogram queueWaitMs;

  /**
   * Declares the buffer's state and registers its metric. {@code name} prefixes the state names, which are part of
   * savepoints: keep it stable.
   */
  public BatchBuffer(RuntimeContext context, String name, TypeInformation<T> itemType, BatchSettings settings) {
    this.settings = settings;
    this.items = context.getListState(
        new ListStateDescriptor<>(name + "-buffer", new TupleTypeInfo<Tuple2<T, Long>>(itemType, Types.LONG)));
    this.count = context.getState(new ValueStateDescriptor<>(name + "-count", Types.INT));
    this.flushAt = context.getState(new ValueStateDescriptor<>(name + "-flush-at", Types.LONG));
    this.queueWaitMs = context.getMetricGroup()
        .histogram("queueWaitMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
  }

  /**
   * Buffers {@code item} under the current key. Returns the whole batch, in arrival order, when this item fills it
   * (the buffer is then empty and its timer deleted); otherwise an empty list, and the first item of a batch sets the
   * flush timer.
   */
  public List<T> add(T item, TimerService timers) throws Exception {
    long now = timers.currentProcessingTime();
    items.add(Tuple2.of(item, now));
    Integer before = count.value();
    int size = before == null ? 1 : before + 1;
    if (size >= settings.maxBatchSize()) {
      return drain(timers);
    }
    count.update(size);
    if (size == 1) {
      long at = now + settings.maxWaitMs();
      timers.registerProcessingTimeTimer(at);
      timers.registerEventTimeTimer(END_OF_INPUT);
      flushAt.update(at);
    }
    return List.of();
  }

  /**
   * Event time of the timer that flushes a waiting batch when the input ends: a bounded run ends with the maximal
   * watermark, which fires it, while processing-time timers still pending at the end are dropped.
   */
  public static final long END_OF_INPUT = Long.MAX_VALUE;

  /**
   * A timer fired for the current key: this buffer's processing-time flush timer, or its event-time
   * {@link #END_OF_INPUT} timer; either returns the buffered batch and empties the buffer. Any other timer returns an
   * empty list.
   */
  public List<T> onTimer(long timestamp, TimeDomain domain, TimerService timers) throws Exception {
    if (domain == TimeDomain.EVENT_TIME) {
      return timestamp == END_OF_INPUT ? drain(timers) : List.of();
    }
    Long pending = flushAt.value();
    if (pending == null || pending != timestamp) {
      return List.of();
    }
    return drain(timers);
  }

  /** Returns every buffered item, clears all of this key's buffer state and deletes its timers. */
  private List<T> drain(TimerService timers) throws Exception {
    Long pending = flushAt.value();
    if (pending != null) {
      timers.deleteProcessingTimeTimer(pending);
    }
    timers.deleteEventTimeTimer(END_OF_INPUT);
    long now = timers.currentProcessingTime();
    List<T> batch = new ArrayList<>();
    Iterable<Tuple2<T, Long>> buffered = items.get();
    if (buffered != null) { // some state backends return null rather than an empty list
      for (Tuple2<T, Long> entry : buffered) {
        queueWaitMs.update(now - entry.f1);
        batch.add(entry.f0);
      }
    }
    items.clear();
    count.clear();
    flushAt.clear();
    return batch;
  }
}
