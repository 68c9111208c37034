package io.egostream.operators.records;

import java.util.Comparator;

/**
 * One clip found by a moment or standing query, with its similarity to the query's text (the wire's {@code Hit},
 * plus the clip's ingest time, which stays inside the job). A Flink POJO.
 */
public class ClipHit {
  /**
   * Best first: higher score, then device id, start, session id and end in ascending order. Every field takes part,
   * so equal scores always come out in the same order, whichever parallel instance found them first.
   */
  public static final Comparator<ClipHit> BEST_FIRST = Comparator
      .comparingDouble((ClipHit h) -> h.score).reversed()
      .thenComparing(h -> h.deviceId)
      .thenComparingLong(h -> h.startMs)
      .thenComparing(h -> h.sessionId)
      .thenComparingLong(h -> h.endMs);

  public String deviceId;
  public String sessionId;
  /** The clip's event-time range [startMs, endMs). */
  public long startMs;
  public long endMs;
  /** Cosine similarity of the query's text and the clip, in [-1, 1]. */
  public float score;
  /** Wall-clock time (ms) at which the job read the clip's newest frame: where an answer's latency starts. */
  public long ingestTimeMs;

  public ClipHit() {}

  public ClipHit(String deviceId, String sessionId, long startMs, long endMs, float score, long ingestTimeMs) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.startMs = startMs;
    this.endMs = endMs;
    this.score = score;
    this.ingestTimeMs = ingestTimeMs;
  }

  @Override
  public String toString() {
    return deviceId + "[" + startMs + ", " + endMs + ")=" + score;
  }
}
