package io.egostream.operators.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;

/**
 * Runs the model on a batch so that an item the model fails on costs that item only, never its batch or the task:
 * when the call on the whole batch throws, each item runs again on its own, and an item that still fails comes back
 * as a failure with its cause, for the inference operator to dead-letter or answer ERROR. A task that threw instead
 * would restart from its last checkpoint and meet the same input again, forever.
 *
 * <p>Use it with a {@link BatchBuffer}, which hands a batch over only after removing it from state: so whatever
 * happens to a batch here, it is not in the next checkpoint.
 *
 * <p>Metrics, in the group given: {@code batchSize} and {@code inferenceLatencyMs} (histograms, per model call that
 * returned), {@code batchesRetried} (counter: batches run again item by item) and the caller's counter of items that
 * failed alone (e.g. {@code clipsFailed}). Each such item is logged once, with the cause.
 */
public final class BatchRunner {
  /** Longest failure text an outcome carries: it travels in a dead letter or an answer. */
  public static final int MAX_FAILURE_CHARS = 500;
  /** Values each histogram keeps for its statistics. */
  private static final int HISTOGRAM_WINDOW = 500;

  /**
   * One item's result: the model's output, or (output null) why the model failed on the item alone.
   *
   * @param failure the exception's class and message, at most {@link #MAX_FAILURE_CHARS} characters
   */
  public record Outcome<O>(O output, String failure) {
    public boolean failed() {
      return failure != null;
    }
  }

  private final Logger log;
  private final Histogram batchSize;
  private final Histogram inferenceLatencyMs;
  private final Counter batchesRetried;
  private final Counter failed;

  /** Registers the metrics in {@code metrics}, the counter of items that failed alone as {@code failedCounter}. */
  public BatchRunner(MetricGroup metrics, String failedCounter, Logger log) {
    this.log = log;
    this.batchSize = metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    this.inferenceLatencyMs =
        metrics.histogram("inferenceLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    this.batchesRetried = metrics.counter("batchesRetried");
    this.failed = metrics.counter(failedCounter);
  }

  /**
   * Runs {@code model} on {@code items} and returns one outcome per item, in order. {@code describe} names an item
   * in the log (never its content, which may be large or personal).
   */
  public <I, O> List<Outcome<O>> run(List<I> items, Function<List<I>, List<O>> model, Function<I, String> describe) {
    if (items.isEmpty()) {
      return List.of();
    }
    try {
      return call(items, model).stream().map(output -> new Outcome<O>(output, null)).toList();
    } catch (RuntimeException e) {
      if (items.size() == 1) {
        return List.of(failure(describe.apply(items.get(0)), e));
      }
      batchesRetried.inc();
      log.info("The model failed on a batch of {} ({}); running its items one by one", items.size(), shortly(e));
    }
    List<Outcome<O>> outcomes = new ArrayList<>(items.size());
    for (I item : items) {
      try {
        outcomes.add(new Outcome<>(call(List.of(item), model).get(0), null));
      } catch (RuntimeException e) {
        outcomes.add(failure(describe.apply(item), e));
      }
    }
    return outcomes;
  }

  private <I, O> List<O> call(List<I> items, Function<List<I>, List<O>> model) {
    long start = System.nanoTime();
    List<O> outputs = model.apply(items);
    if (outputs.size() != items.size()) {
      throw new IllegalStateException("the model returned " + outputs.size() + " results for " + items.size()
          + " inputs");
    }
    inferenceLatencyMs.update((System.nanoTime() - start) / 1_000_000);
    batchSize.update(items.size());
    return outputs;
  }

  private <O> Outcome<O> failure(String item, RuntimeException e) {
    failed.inc();
    log.warn("The model failed on {} alone; it is answered as failed, the task goes on", item, e);
    return new Outcome<>(null, shortly(e));
  }

  /** Class and message, cut to {@link #MAX_FAILURE_CHARS}. */
  private static String shortly(RuntimeException e) {
    String text = e.getClass().getSimpleName() + ": " + e.getMessage();
    return text.length() <= MAX_FAILURE_CHARS ? text : text.substring(0, MAX_FAILURE_CHARS - 1) + "…";
  }
}
