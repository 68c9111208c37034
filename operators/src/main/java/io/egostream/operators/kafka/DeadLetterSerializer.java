package io.egostream.operators.kafka;

import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.proto.v1.DeadLetter;
import com.google.protobuf.ByteString;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes rejected input records to {@code ego.deadletter} as {@link DeadLetter} protobufs under their original key. */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetterRecord> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  public DeadLetterSerializer(String topic) {
    this.topic = topic;
  }

  public static DeadLetter toProto(DeadLetterRecord r) {
    DeadLetter.Builder b = DeadLetter.newBuilder()
        .setSourceTopic(r.sourceTopic)
        .setSourcePartition(r.sourcePartition)
        .setSourceOffset(r.sourceOffset)
        .setReason(r.reason)
        .setTimeMs(r.timeMs);
    if (r.originalKey != null) {
      b.setOriginalKey(ByteString.copyFrom(r.originalKey));
    }
    if (r.originalValue != null) {
      b.setOriginalValue(ByteString.copyFrom(r.originalValue));
    }
    return b.build();
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(DeadLetterRecord r, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(topic, null, r.timeMs, r.originalKey, toProto(r).toByteArray());
  }
}
