package io.egostream.operators.records;

/**
 * The frames of one clip, ready for the model: as many JPEGs as the model takes frames, sampled uniformly inside
 * [startMs, endMs) of one device's stream. A Flink POJO.
 *
 * <p>Most clips are the stream's own windows. A clip built for one choice of an MCQ query (an exact-range request)
 * carries the request's tag, {@link #requestQueryId} and {@link #requestChoice}, so that it can share the batched
 * model with the window clips and still find its way back to the query afterwards.
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
  /** Wall-clock time (ms) at which the clip builder emitted this clip; 0 until it does. */
  public long emitTimeMs;
  /** The MCQ query this clip was built for; null for the stream's own window clips. */
  public String requestQueryId;
  /** The index of the choice (in the query's order) this clip was built for; -1 for window clips. */
  public int requestChoice = -1;
  /** True when built for a moment query's refinement range ({@link #requestChoice} = the range's index). */
  public boolean requestForMoment;

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

  /** True for a clip built for an MCQ choice, false for one of the stream's own windows. */
  public boolean isRequestClip() {
    return requestQueryId != null;
  }
}
