package io.egostream.operators.records;

/**
 * One validated frame of one device (the JPEG decoded once to check it, kept encoded because it is ~20× smaller).
 * Event time = {@link #captureTimeMs}. A Flink POJO.
 */
public class FrameRecord {
  public String deviceId;
  public String sessionId;
  public long captureTimeMs;
  public long sequence;
  public int width;
  public int height;
  public byte[] jpeg;
  /** Wall-clock time (ms) at which the job read the frame's Kafka record. */
  public long ingestTimeMs;
  /** The Kafka record the frame came in, so a frame rejected later (late) can still be dead-lettered to it. */
  public String sourceTopic;
  public int sourcePartition;
  public long sourceOffset;

  public FrameRecord() {}

  public FrameRecord(String deviceId, String sessionId, long captureTimeMs, long sequence, int width, int height,
      byte[] jpeg, long ingestTimeMs) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.captureTimeMs = captureTimeMs;
    this.sequence = sequence;
    this.width = width;
    this.height = height;
    this.jpeg = jpeg;
    this.ingestTimeMs = ingestTimeMs;
  }
}
