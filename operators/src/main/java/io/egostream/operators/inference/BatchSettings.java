package io.egostream.operators.inference;

import java.io.Serializable;

/**
 * How an inference operator batches: a batch runs as soon as it holds {@code maxBatchSize} items, or
 * {@code maxWaitMs} after its first item arrived, whichever comes first.
 *
 * @param maxBatchSize items per model call ({@value #DEFAULT_MAX_BATCH_SIZE} by default); 1 runs every item alone
 * @param maxWaitMs longest time the first item of a batch waits for the batch to fill, in processing time
 *     ({@value #DEFAULT_MAX_WAIT_MS} ms by default): the latency batching may add at low load
 */
public record BatchSettings(int maxBatchSize, long maxWaitMs) implements Serializable {
  /** Large enough to amortise a forward pass on two CPU cores, small enough to keep a batch's memory modest. */
  public static final int DEFAULT_MAX_BATCH_SIZE = 8;
  /** A fraction of a clip's length (seconds), so batching stays small next to the clip's own delay. */
  public static final long DEFAULT_MAX_WAIT_MS = 200;

  public BatchSettings {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("Invalid value " + maxBatchSize + " for batch.max-size: must be at least 1 "
          + "(1 runs every item on its own)");
    }
    if (maxWaitMs < 1) {
      throw new IllegalArgumentException("Invalid value " + maxWaitMs + " for batch.max-wait.ms: must be at least 1 "
          + "(to run every item at once without waiting, set batch.max-size to 1)");
    }
  }

  /** {@value #DEFAULT_MAX_BATCH_SIZE} items or {@value #DEFAULT_MAX_WAIT_MS} ms. */
  public static BatchSettings defaults() {
    return new BatchSettings(DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_WAIT_MS);
  }
}
