package io.egostream.operators.mcq;

import static io.egostream.operators.config.OptionChecks.require;

import io.egostream.operators.query.StoreSettings;
import io.egostream.operators.records.QueryRecord;
import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How MCQ queries wait for their choices.
 *
 * @param defaultTimeoutMs how long past the latest choice's end (or the query's arrival, if later) a choice still
 *     without frames is waited for, for queries that set no {@code timeout_ms} of their own
 * @param safetyTimeoutMs extra wall-clock margin: a choice is given up after timeout + margin (so event time that
 *     stalls, every device silent, cannot keep a query waiting forever), and the answer goes out at the latest one
 *     more margin later with whatever has arrived
 * @param storedClipRetentionMs how long (event time past its end) {@link StoredClipLookup} keeps a window clip's
 *     embedding to stand in for choices whose frames have aged out of the frame buffer; above the frame retention,
 *     or the fallback never finds anything
 */
public record McqSettings(long defaultTimeoutMs, long safetyTimeoutMs, long storedClipRetentionMs)
    implements Serializable {

  /** 10 s: a choice's frames normally arrive within seconds of its end. */
  public static final ConfigOption<Long> TIMEOUT_MS = ConfigOptions.key("mcq.timeout.ms")
      .longType().defaultValue(10_000L)
      .withDescription("How long an MCQ choice whose frames have not come is waited for, in wall-clock time from "
          + "the later of the query's arrival and its latest choice's end (a query's own timeout_ms replaces it); "
          + "the choice is given up mcq.safety-timeout.ms after that.");

  /** 60 s: well past any batching and checkpoint delay, short enough that a stalled query still gets an answer. */
  public static final ConfigOption<Long> SAFETY_TIMEOUT_MS = ConfigOptions.key("mcq.safety-timeout.ms")
      .longType().defaultValue(60_000L)
      .withDescription("Wall-clock margin added to mcq.timeout.ms before a choice is given up, and again before an "
          + "MCQ is answered with whatever has arrived, so that stalled event time (silent devices) or a lost "
          + "choice cannot keep it waiting.");

  /** The waits {@code conf} sets; stored clips are kept as long as the clip store keeps them. */
  public static McqSettings from(ReadableConfig conf) {
    return new McqSettings(conf.get(TIMEOUT_MS), conf.get(SAFETY_TIMEOUT_MS), conf.get(StoreSettings.RETENTION_MS));
  }

  public McqSettings {
    require(defaultTimeoutMs > 0, TIMEOUT_MS, defaultTimeoutMs, "must be positive");
    require(safetyTimeoutMs > 0, SAFETY_TIMEOUT_MS, safetyTimeoutMs, "must be positive");
    require(storedClipRetentionMs > 0, StoreSettings.RETENTION_MS, storedClipRetentionMs, "must be positive");
  }

  /** The query's own timeout, or the default when it set none (0). */
  public long timeoutMs(QueryRecord query) {
    return query.timeoutMs > 0 ? query.timeoutMs : defaultTimeoutMs;
  }

  /** The end of the query's latest choice (event time); Long.MIN_VALUE when it has none. */
  public static long latestChoiceEnd(QueryRecord query) {
    long latest = Long.MIN_VALUE;
    if (query.choiceEndsMs != null) {
      for (long end : query.choiceEndsMs) {
        latest = Math.max(latest, end);
      }
    }
    return latest;
  }

  /**
   * Wall-clock time at which the query is answered even if event time has stalled, and at which waiting choice
   * requests are given up: {@code max(ingest time, latest choice end) + timeout + safety timeout}. The latest end
   * counts because capture times are wall-clock times on live wearables: a choice that ends a minute from now cannot
   * be served before then.
   */
  public long giveUpAtMs(QueryRecord query) {
    long from = Math.max(query.ingestTimeMs, latestChoiceEnd(query));
    return saturatedAdd(saturatedAdd(from, timeoutMs(query)), safetyTimeoutMs);
  }

  /**
   * Wall-clock time of {@link McqGather}'s safety timer: {@link #giveUpAtMs} plus one more safety timeout, saturating
   * at {@link Long#MAX_VALUE} (a wrapped sum would lie in the past and answer at once).
   */
  public long answerByMs(QueryRecord query) {
    return saturatedAdd(giveUpAtMs(query), safetyTimeoutMs);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    // Overflow only when both have the same sign and the sum's sign differs (b is always positive here).
    return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
  }
}
