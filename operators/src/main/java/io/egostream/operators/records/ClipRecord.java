package io.egostream.operators.records;

/**
 * The frames of one clip, ready for the model: as many JPEGs as the model takes frames, sampled uniformly inside
 * [startMs, endMs) of one device's stream. A Flink POJO.
 */
public class ClipRecord {
  public String deviceId;
  public String sessionId;
  /** Event-time range [startMs, endMs). */
  public long startMs;
  public long endMs;
  /** Capture times of the frames, in order. */
  public long[] frameTimesMs;
  /** The frames, JPEG-encoded, in order. */
  public byte[][] jpegs;
  /** Wall-clock time (ms) at which the job read the newest of these frames: where latency is measured from. */
  public long ingestTimeMs;

  public ClipRecord() {}

  public ClipRecord(String deviceId, String sessionId, long startMs, long endMs, long[] frameTimesMs, byte[][] jpegs,
      long ingestTimeMs) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.startMs = startMs;
    this.endMs = endMs;
    this.frameTimesMs = frameTimesMs;
    this.jpegs = jpegs;
    this.ingestTimeMs = ingestTimeMs;
  }
}
