package io.egostream.operators.ingest;

/**
 * One second of a device's buffered frames in {@link FrameBuffer}'s index: their capture times, increasing, and the
 * sum of their JPEG sizes. A Flink POJO, never changed in place once stored.
 */
public class FrameBucket {
  public long[] times;
  public long bytes;

  public FrameBucket() {}

  FrameBucket(long[] times, long bytes) {
    this.times = times;
    this.bytes = bytes;
  }
}
