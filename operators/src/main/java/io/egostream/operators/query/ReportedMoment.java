package io.egostream.operators.query;

/**
 * The moment a standing query last reported for one device: its range so far and its newest clip, which the next
 * matching clip must overlap (IoU more than the moment rules') to continue it rather than fire. A Flink POJO.
 */
public class ReportedMoment {
  /** Event-time range [startMs, endMs) of all its clips so far. */
  public long startMs;
  public long endMs;
  /** Its best clip's score. */
  public float score;
  /** The newest clip that matched. */
  public long lastClipStartMs;
  public long lastClipEndMs;

  public ReportedMoment() {}

  ReportedMoment(long clipStartMs, long clipEndMs, float score) {
    this.startMs = clipStartMs;
    this.endMs = clipEndMs;
    this.score = score;
    this.lastClipStartMs = clipStartMs;
    this.lastClipEndMs = clipEndMs;
  }
}
