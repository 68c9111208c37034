package io.egostream.operators.mcq;

import io.egostream.operators.records.QueryRecord;
import java.io.Serializable;

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

  /** 10 s past the latest choice's end, 60 s more if event time stalls; stored clips kept for an hour. */
  public static McqSettings defaults() {
    return new McqSettings(10_000, 60_000, 3_600_000);
  }

  public McqSettings {
    require(defaultTimeoutMs > 0, defaultTimeoutMs, "mcq.timeout.ms", "must be positive");
    require(safetyTimeoutMs > 0, safetyTimeoutMs, "mcq.safety-timeout.ms", "must be positive");
    require(storedClipRetentionMs > 0, storedClipRetentionMs, "store.retention.ms", "must be positive");
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

  private static void require(boolean ok, long value, String name, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }
}
