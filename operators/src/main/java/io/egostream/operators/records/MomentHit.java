package io.egostream.operators.records;

import java.util.Arrays;
import java.util.Comparator;

/**
 * A moment in an answer (the wire's {@code Moment}): one device's clip hits merged into one range. A Flink POJO.
 */
public class MomentHit {
  /** Best first: higher score, then device id and start ascending, so ties come out the same way on every run. */
  public static final Comparator<MomentHit> BEST_FIRST = Comparator
      .comparingDouble((MomentHit m) -> m.score).reversed()
      .thenComparing(m -> m.deviceId)
      .thenComparingLong(m -> m.startMs);

  public String deviceId;
  /** The session of its best clip. */
  public String sessionId;
  /** Event-time range [startMs, endMs). */
  public long startMs;
  public long endMs;
  /** The best clip's score. */
  public float score;
  /** Start times of the clips behind it: the best first, then those merged into it. */
  public long[] clipStartsMs;
  /**
   * True when its range and score were refined from the ranges scored around it and its own ({@code
   * MomentRules.refine}); false for a moment of the clip grid, as merged.
   */
  public boolean refined;
  /** Refinement ranges embedded and scored for it (0 when it was not refined). */
  public int refineRanges;
  /** For a refinement candidate: which of its ranges could not be scored and why; null otherwise. */
  public String refineNote;

  public MomentHit() {}

  public MomentHit(String deviceId, String sessionId, long startMs, long endMs, float score, long[] clipStartsMs) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.startMs = startMs;
    this.endMs = endMs;
    this.score = score;
    this.clipStartsMs = clipStartsMs;
  }

  @Override
  public String toString() {
    return deviceId + "[" + startMs + ", " + endMs + ")=" + score + " clips " + Arrays.toString(clipStartsMs)
        + (refined ? " refined over " + refineRanges + " ranges" : "") + (refineNote == null ? "" : " (" + refineNote
        + ")");
  }
}
