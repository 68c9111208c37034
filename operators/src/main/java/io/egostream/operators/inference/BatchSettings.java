package io.egostream.operators.inference;

import static io.egostream.operators.config.OptionChecks.require;

import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How an inference operator batches: a batch runs as soon as it holds {@code maxBatchSize} items, or
 * {@code maxWaitMs} after its first item arrived, whichever comes first.
 *
 * @param maxBatchSize items per model call ({@link #MAX_SIZE}); 1 runs every item alone
 * @param maxWaitMs longest time the first item of a batch waits for the batch to fill, in processing time
 *     ({@link #MAX_WAIT_MS}): the latency batching may add at low load
 */
public record BatchSettings(int maxBatchSize, long maxWaitMs) implements Serializable {

  /** 8: large enough to amortise a forward pass on two CPU cores, small enough to keep a batch's memory modest. */
  public static final ConfigOption<Integer> MAX_SIZE = ConfigOptions.key("batch.max-size")
      .intType().defaultValue(8).withDescription("Clips per model call at most.");

  /** 200 ms: a fraction of a clip's length (seconds), so batching stays small next to the clip's own delay. */
  public static final ConfigOption<Long> MAX_WAIT_MS = ConfigOptions.key("batch.max-wait.ms")
      .longType().defaultValue(200L)
      .withDescription("Longest a clip waits for its batch to fill before the model runs on a partial batch.");

  public BatchSettings {
    require(maxBatchSize >= 1, MAX_SIZE, maxBatchSize, "must be at least 1 (1 runs every item on its own)");
    require(maxWaitMs >= 1, MAX_WAIT_MS, maxWaitMs,
        "must be at least 1 (to run every item at once without waiting, set " + MAX_SIZE.key() + " to 1)");
  }

  /** The batching {@code conf} asks for (the defaults where it sets nothing). */
  public static BatchSettings from(ReadableConfig conf) {
    return new BatchSettings(conf.get(MAX_SIZE), conf.get(MAX_WAIT_MS));
  }
}
