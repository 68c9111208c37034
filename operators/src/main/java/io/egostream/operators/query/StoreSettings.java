package io.egostream.operators.query;

import static io.egostream.operators.config.OptionChecks.require;

import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How long the clip store keeps a device's clip embeddings, and how finely it evicts them.
 *
 * @param retentionMs event time a clip stays searchable after its end ({@link #RETENTION_MS}): a clip ending at
 *     {@code e} is evicted once the watermark reaches {@code e + retentionMs}
 * @param evictionIntervalMs eviction timers are rounded up to a multiple of this, so a device has one timer per
 *     interval rather than one per clip; a clip may outlive its retention by up to this much
 */
public record StoreSettings(long retentionMs, long evictionIntervalMs) implements Serializable {

  /** One hour of event time: moment queries look back over the recent past, not the whole recording. */
  public static final ConfigOption<Long> RETENTION_MS = ConfigOptions.key("store.retention.ms")
      .longType().defaultValue(60 * 60 * 1000L)
      .withDescription("How long (event time) a device's clip embeddings stay searchable by moment queries.");

  /**
   * The eviction interval (no option): one minute, so few timers (60 per device an hour), and a minute's overshoot is
   * nothing next to an hour; a shorter retention shortens it to the retention.
   */
  public static final long EVICTION_INTERVAL_MS = 60 * 1000L;

  public StoreSettings {
    require(retentionMs >= 1, RETENTION_MS, retentionMs,
        "must be at least 1 (event-time ms a clip stays searchable after its end)");
    if (evictionIntervalMs < 1 || evictionIntervalMs > retentionMs) {
      throw new IllegalArgumentException("Invalid value " + evictionIntervalMs + " for the clip store's eviction "
          + "interval (ms): must be between 1 and " + RETENTION_MS.key() + " (" + retentionMs + ")");
    }
  }

  /** The retention {@code conf} sets, evicted every {@link #EVICTION_INTERVAL_MS} or the retention if shorter. */
  public static StoreSettings from(ReadableConfig conf) {
    long retentionMs = conf.get(RETENTION_MS);
    return new StoreSettings(retentionMs, Math.min(EVICTION_INTERVAL_MS, retentionMs));
  }

  /** Event time at which a clip ending at {@code endMs} is evicted: its retention's end, rounded up to the interval. */
  long evictAt(long endMs) {
    long due = endMs + retentionMs;
    return Math.floorDiv(due + evictionIntervalMs - 1, evictionIntervalMs) * evictionIntervalMs;
  }
}
