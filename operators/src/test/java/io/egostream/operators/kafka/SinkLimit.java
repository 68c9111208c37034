package io.egostream.operators.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;

/** The size check a Kafka producer makes before sending, for tests of what the job's sinks write. */
public final class SinkLimit {
  /** The sinks' {@code max.request.size}: EgoStreamTopics.MAX_RECORD_BYTES (in the jobs module). */
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  private SinkLimit() {}

  /** Fails unless a producer with {@link #MAX_RECORD_BYTES} as {@code max.request.size} accepts {@code record}. */
  public static void assertFits(ProducerRecord<byte[], byte[]> record) {
    int size = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
        record.key(), record.value(), new Header[0]);
    assertTrue(size <= MAX_RECORD_BYTES, "record of " + size + " bytes; the sink takes at most " + MAX_RECORD_BYTES);
  }
}
