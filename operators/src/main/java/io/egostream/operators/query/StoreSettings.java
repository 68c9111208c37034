package io.egostream.operators.query;

import java.io.Serializable;

/**
 * How long the clip store keeps a device's clip embeddings, and how finely it evicts them.
 *
 * @param retentionMs event time a clip stays searchable after its end ({@value #DEFAULT_RETENTION_MS} ms, one hour, by
 *     default): a clip ending at {@code e} is evicted once the watermark reaches {@code e + retentionMs}
 * @param evictionIntervalMs eviction timers are rounded up to a multiple of this
 *     ({@value #DEFAULT_EVICTION_INTERVAL_MS} ms by default), so a device has one timer per interval rather than
 *     one per clip; a clip may outlive its retention by up to this much
 */
public record StoreSettings(long retentionMs, long evictionIntervalMs) implements Serializable {
  /** One hour of event time: moment queries look back over the recent past, not the whole recording. */
  public static final long DEFAULT_RETENTION_MS = 60 * 60 * 1000L;
  /** One minute: few timers (60 per device an hour), and a minute's overshoot is nothing next to an hour. */
  public static final long DEFAULT_EVICTION_INTERVAL_MS = 60 * 1000L;

  public StoreSettings {
    if (retentionMs < 1) {
      throw new IllegalArgumentException("Invalid value " + retentionMs + " for store.retention.ms: must be at least 1 "
          + "(event-time ms a clip stays searchable after its end)");
    }
    if (evictionIntervalMs < 1 || evictionIntervalMs > retentionMs) {
      throw new IllegalArgumentException("Invalid value " + evictionIntervalMs + " for the clip store's eviction "
          + "interval (ms): must be between 1 and store.retention.ms (" + retentionMs + ")");
    }
  }

  /** {@value #DEFAULT_RETENTION_MS} ms retention, evicted every {@value #DEFAULT_EVICTION_INTERVAL_MS} ms. */
  public static StoreSettings defaults() {
    return new StoreSettings(DEFAULT_RETENTION_MS, DEFAULT_EVICTION_INTERVAL_MS);
  }

  /** Event time at which a clip ending at {@code endMs} is evicted: its retention's end, rounded up to the interval. */
  long evictAt(long endMs) {
    long due = endMs + retentionMs;
    return Math.floorDiv(due + evictionIntervalMs - 1, evictionIntervalMs) * evictionIntervalMs;
  }
}
