package io.egostream.operators.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.DeadLetter;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {
  @Test
  void aSmallDeadLetterKeepsTheRecordByteForByte() throws Exception {
    RawRecord raw = new RawRecord("ego.queries", 3, 42, 1_000, bytes("q-1"), bytes("not a query"), 900);
    ProducerRecord<byte[], byte[]> record = new DeadLetterSerializer("ego.deadletter", SinkLimit.MAX_RECORD_BYTES)
        .serialize(new DeadLetterRecord(raw, "malformed Query protobuf: x", 1_234), null, null);
    assertArrayEquals(bytes("q-1"), record.key());
    assertEquals(1_234L, record.timestamp());
    DeadLetter letter = DeadLetter.parseFrom(record.value());
    assertEquals("ego.queries", letter.getSourceTopic());
    assertEquals(3, letter.getSourcePartition());
    assertEquals(42, letter.getSourceOffset());
    assertEquals("malformed Query protobuf: x", letter.getReason());
    assertArrayEquals(bytes("q-1"), letter.getOriginalKey().toByteArray());
    assertArrayEquals(bytes("not a query"), letter.getOriginalValue().toByteArray());
    assertFalse(letter.getTruncated());
    assertEquals(3, letter.getOriginalKeySize());
    assertEquals(11, letter.getOriginalValueSize());
  }

  /** A 9 MB query id, in the key and the value: as written in full, the dead letter is ~27 MB. */
  @Test
  void theDeadLetterOfAHugeRecordFitsTheSinkLimit() throws Exception {
    String id = "q".repeat(9_000_000);
    byte[] value = Query.newBuilder().setQueryId(id).setMoment(MomentQuery.newBuilder().setText("x")).build()
        .toByteArray();
    RawRecord raw = new RawRecord("ego.queries", 0, 7, 1_000, bytes(id), value, 900);
    ProducerRecord<byte[], byte[]> record = new DeadLetterSerializer("ego.deadletter", SinkLimit.MAX_RECORD_BYTES)
        .serialize(new DeadLetterRecord(raw, "query_id is too long", 1_234), null, null);

    SinkLimit.assertFits(record);
    DeadLetter letter = DeadLetter.parseFrom(record.value());
    assertEquals("query_id is too long", letter.getReason());
    assertTrue(letter.getTruncated());
    assertEquals(9_000_000, letter.getOriginalKeySize());
    assertEquals(value.length, letter.getOriginalValueSize());
    assertEquals(OutputBounds.MAX_CUT_KEY_BYTES, record.key().length);
    assertArrayEquals(record.key(), letter.getOriginalKey().toByteArray(), "record key and field cut alike");
    byte[] keptValue = letter.getOriginalValue().toByteArray();
    assertTrue(keptValue.length > 1_000_000, "as much of the value as fits is kept: " + keptValue.length);
    assertArrayEquals(Arrays.copyOf(value, keptValue.length), keptValue, "a prefix of the original");
  }

  @Test
  void aLongReasonIsCutOnACharacterBoundary() throws Exception {
    RawRecord raw = new RawRecord("ego.queries", 0, 7, 1_000, null, bytes("v"), 900);
    String reason = "é".repeat(5_000); // 2 bytes each: 10 000 bytes
    DeadLetter letter = DeadLetter.parseFrom(new DeadLetterSerializer("ego.deadletter", SinkLimit.MAX_RECORD_BYTES)
        .serialize(new DeadLetterRecord(raw, reason, 1), null, null).value());
    assertTrue(letter.getTruncated());
    assertTrue(bytes(letter.getReason()).length <= OutputBounds.MAX_REASON_BYTES);
    assertTrue(letter.getReason().matches("é+…"), "whole characters, then an ellipsis");
    assertArrayEquals(bytes("v"), letter.getOriginalValue().toByteArray(), "the record itself is whole");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
