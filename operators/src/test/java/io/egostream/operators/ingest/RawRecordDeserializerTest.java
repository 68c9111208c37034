package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RawRecordDeserializerTest {
  private final RawRecordDeserializer deserializer =
      new RawRecordDeserializer(DecodeSettings.from(new Configuration()));

  @Test
  void keepsTheRecordAsItCameWithItsCoordinates() {
    byte[] key = {'g', '1'};
    byte[] value = {0x0A, 0x05, 0x00, (byte) 0xFF}; // not even a valid protobuf: not this class's business
    long before = System.currentTimeMillis();
    RawRecord raw = deserialize(new ConsumerRecord<>("ego.frames", 3, 42L, 1_700_000_000_123L,
        TimestampType.CREATE_TIME, key.length, value.length, key, value, new RecordHeaders(), Optional.empty()));
    long after = System.currentTimeMillis();

    assertEquals("ego.frames", raw.topic);
    assertEquals(3, raw.partition);
    assertEquals(42L, raw.offset);
    assertEquals(1_700_000_000_123L, raw.timestamp);
    assertArrayEquals(key, raw.key);
    assertArrayEquals(value, raw.value);
    assertTrue(raw.ingestTimeMs >= before && raw.ingestTimeMs <= after, "ingest time is the wall clock");
  }

  @Test
  void tombstonesAndMissingKeysPassThrough() {
    RawRecord raw = deserialize(new ConsumerRecord<>("ego.frames", 0, 7L, null, null));
    assertNull(raw.key);
    assertNull(raw.value);
    assertEquals(7L, raw.offset);
  }

  @Test
  void eventTimeIsTheNewestCaptureTimeOfAPlausibleBatch() {
    long now = System.currentTimeMillis();
    assertEquals(now - 1_000, deserializer.eventTime(batch(now - 3_000, now - 1_000, now - 2_000), now));
    assertEquals(Long.MIN_VALUE, deserializer.eventTime(batch(now - 1_000, 1_000), now),
        "one implausible capture time (seconds instead of ms) and the batch cannot move the watermark");
    assertEquals(Long.MIN_VALUE, deserializer.eventTime(new byte[] {0x0A, 0x05, 0x00}, now), "malformed");
    assertEquals(Long.MIN_VALUE, deserializer.eventTime(null, now), "tombstone");
  }

  private static byte[] batch(long... captureTimes) {
    FrameBatch.Builder b = FrameBatch.newBuilder().setDeviceId("g1").setSessionId("s1");
    for (long t : captureTimes) {
      b.addFrames(Frame.newBuilder().setCaptureTimeMs(t));
    }
    return b.build().toByteArray();
  }

  @Test
  void producesAFlinkPojoNotAKryoType() {
    assertInstanceOf(PojoTypeInfo.class, deserializer.getProducedType());
  }

  private RawRecord deserialize(ConsumerRecord<byte[], byte[]> record) {
    List<RawRecord> out = new ArrayList<>();
    Collector<RawRecord> collector = new ListCollector<>(out);
    deserializer.deserialize(record, collector);
    assertEquals(1, out.size(), "exactly one RawRecord per Kafka record");
    return out.get(0);
  }
}
