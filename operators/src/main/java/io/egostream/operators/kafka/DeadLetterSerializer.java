package io.egostream.operators.kafka;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.proto.v1.DeadLetter;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes rejected input records to {@code ego.deadletter} as {@link DeadLetter} protobufs under their original key.
 * A dead letter carries the record's key twice (record key and {@code original_key}) and its whole value, so one
 * made from a large record could exceed the sink's limit: then the keys are cut to {@link
 * OutputBounds#MAX_CUT_KEY_BYTES} and the value to what still fits, and the dead letter is flagged {@code truncated}
 * with the original sizes.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetterRecord> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final int budget;

  /** @param maxRecordBytes the sink producer's {@code max.request.size}: no record written is larger */
  public DeadLetterSerializer(String topic, int maxRecordBytes) {
    this.topic = topic;
    this.budget = OutputBounds.budget(maxRecordBytes);
  }

  /** The whole dead letter, reason cut to {@link OutputBounds#MAX_REASON_BYTES}; may exceed the sink's limit. */
  static DeadLetter toProto(DeadLetterRecord r) {
    String reason = r.reason == null ? "" : r.reason;
    String shortReason = OutputBounds.utf8Prefix(reason, OutputBounds.MAX_REASON_BYTES);
    DeadLetter.Builder b = DeadLetter.newBuilder()
        .setSourceTopic(r.sourceTopic)
        .setSourcePartition(r.sourcePartition)
        .setSourceOffset(r.sourceOffset)
        .setReason(shortReason)
        .setTimeMs(r.timeMs)
        .setTruncated(!shortReason.equals(reason));
    if (r.originalKey != null) {
      b.setOriginalKey(ByteString.copyFrom(r.originalKey)).setOriginalKeySize(r.originalKey.length);
    }
    if (r.originalValue != null) {
      b.setOriginalValue(ByteString.copyFrom(r.originalValue)).setOriginalValueSize(r.originalValue.length);
    }
    return b.build();
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(DeadLetterRecord r, KafkaSinkContext context, Long timestamp) {
    DeadLetter letter = toProto(r);
    byte[] key = r.originalKey;
    if ((key == null ? 0 : key.length) + letter.getSerializedSize() > budget) {
      key = OutputBounds.prefix(key, OutputBounds.MAX_CUT_KEY_BYTES);
      DeadLetter.Builder cut = letter.toBuilder().setTruncated(true).clearOriginalValue();
      if (key != null) {
        cut.setOriginalKey(ByteString.copyFrom(key));
      }
      // What is left for the value's bytes once the rest, the value's tag and its length (5 bytes at most) are in.
      int room = budget - (key == null ? 0 : key.length) - cut.build().getSerializedSize()
          - CodedOutputStream.computeTagSize(DeadLetter.ORIGINAL_VALUE_FIELD_NUMBER) - 5;
      if (r.originalValue != null) {
        cut.setOriginalValue(ByteString.copyFrom(r.originalValue, 0, Math.min(r.originalValue.length, room)));
      }
      letter = cut.build();
    }
    return new ProducerRecord<>(topic, null, r.timeMs, key, letter.toByteArray());
  }
}
