package io.egostream.operators.moments;

/**
 * A time range, {@code [startMs, endMs)}.
 *
 * @param startMs inclusive start, ms
 * @param endMs exclusive end, ms; after {@code startMs}
 */
public record TimeRange(long startMs, long endMs) {

  public TimeRange {
    if (endMs <= startMs) {
      throw new IllegalArgumentException("Invalid range [" + startMs + ", " + endMs + "] ms: the end must be after "
          + "the start");
    }
  }

  public long lengthMs() {
    return endMs - startMs;
  }

  /**
   * Temporal IoU exactly as Ego4D's NLQ evaluator computes it ({@code compute_IoU}): the intersection over the span
   * from the earlier start to the later end (the same as the union for overlapping ranges, and 0 for disjoint ones).
   */
  public double iou(TimeRange other) {
    return iou(startMs, endMs, other.startMs, other.endMs);
  }

  /** {@link #iou(TimeRange)} of {@code [s1, e1]} and {@code [s2, e2]} in any unit. */
  public static double iou(double s1, double e1, double s2, double e2) {
    double intersection = Math.max(0, Math.min(e1, e2) - Math.max(s1, s2));
    double span = Math.max(e1, e2) - Math.min(s1, s2);
    return span <= 0 ? 0 : intersection / span;
  }
}
