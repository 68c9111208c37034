package io.egostream.operators.records;

/**
 * A Kafka record as read, before any decoding: enough to decode it, and to dead-letter it byte for byte with its
 * source coordinates if it cannot be. A Flink POJO.
 */
public class RawRecord {
  public String topic;
  public int partition;
  public long offset;
  /** Kafka record timestamp (ms). */
  public long timestamp;
  /** May be null. */
  public byte[] key;
  /** May be null (a tombstone). */
  public byte[] value;
  /** Wall-clock time (ms) at which the job read it. */
  public long ingestTimeMs;
  /**
   * Event time for the source's watermarks: the newest capture time of a frame batch whose capture times are all
   * plausible, else {@link Long#MIN_VALUE} (the record will be dead-lettered and must not move the watermark).
   */
  public long eventTimeMs = Long.MIN_VALUE;

  public RawRecord() {}

  public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
      long ingestTimeMs) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
    this.ingestTimeMs = ingestTimeMs;
  }
}
