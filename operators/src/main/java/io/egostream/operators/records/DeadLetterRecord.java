package io.egostream.operators.records;

/** An input record the job could not use, with why. Written to ego.deadletter as a DeadLetter protobuf. */
public class DeadLetterRecord {
  public String sourceTopic;
  public int sourcePartition;
  public long sourceOffset;
  public String reason;
  public byte[] originalKey;
  public byte[] originalValue;
  public long timeMs;

  public DeadLetterRecord() {}

  public DeadLetterRecord(RawRecord source, String reason, long timeMs) {
    this.sourceTopic = source.topic;
    this.sourcePartition = source.partition;
    this.sourceOffset = source.offset;
    this.reason = reason;
    this.originalKey = source.key;
    this.originalValue = source.value;
    this.timeMs = timeMs;
  }
}
