package io.egostream.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Frames come back from {@code ego.frames} by capture time: exactly one device's frames of the range, in order,
 * whether its batches were sent on time, late, or twice, and nothing for a range before or after its stream; an
 * unknown device's partition is the one Kafka's default partitioner picks.
 */
class FrameLookupTest {
  private static final long T0 = 1_790_000_000_000L;

  @Test
  void findsExactlyTheDevicesFramesOfARangeByTimestampSeek() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
      kafka.createEgoStreamTopics(2);
      // Three devices at 10 fps for 30 s, 5 frames a batch; a and b send each batch 100 ms after its last frame, c
      // uploads 10 s late and sends one batch twice. Sent in timestamp order, so devices share partitions and
      // interleave.
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      for (long batch = 0; batch < 60; batch++) {
        long first = T0 + batch * 500;
        records.add(record("a", first + 500, batch("a", first, 5)));
        records.add(record("b", first + 500, batch("b", first, 5)));
        records.add(record("c", first + 10_500, batch("c", first, 5)));
      }
      records.add(record("c", T0 + 15_000 + 10_600, batch("c", T0 + 15_000, 5)));
      records.sort(Comparator.comparing(ProducerRecord::timestamp));
      for (ProducerRecord<byte[], byte[]> r : records) {
        String device = new String(r.key(), StandardCharsets.UTF_8);
        assertEquals(producer.send(r).get().partition(), FrameLookup.defaultPartition(device, 2),
            "the producer's partition of " + device);
      }

      try (FrameLookup lookup = new FrameLookup(kafka.bootstrapServers(), id -> null)) {
        Views.Frames found = lookup.find("a", T0 + 12_000, T0 + 16_000);
        assertEquals(LongStream.range(0, 40).map(i -> T0 + 12_000 + i * 100).boxed().toList(), times(found));
        for (Views.Frame f : found.frames()) {
          assertArrayEquals(jpeg("a", f.captureTimeMs()), f.jpeg(), "a frame of another device or time");
        }
        Views.Frames late = lookup.find("c", T0 + 14_000, T0 + 17_000);
        assertEquals(LongStream.range(0, 30).map(i -> T0 + 14_000 + i * 100).boxed().toList(), times(late),
            "the late upload is found and the batch sent twice counts once");
        assertEquals(List.of(), times(lookup.find("a", T0 - 60_000, T0 - 1)), "before the stream");
        assertEquals(List.of(), times(lookup.find("b", T0 + 90_000, T0 + 95_000)), "after the stream");
      }
    }
  }

  @Test
  void aLongRangeIsThinnedEvenlyToTheLimit() {
    List<Views.Frame> frames = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      frames.add(new Views.Frame(i, 1, 1, new byte[0]));
    }
    List<Views.Frame> thinned = FrameLookup.thin(frames);
    assertEquals(FrameLookup.MAX_FRAMES, thinned.size());
    assertEquals(0, thinned.get(0).captureTimeMs());
    assertTrue(thinned.get(thinned.size() - 1).captureTimeMs() >= 995, "the end of the range is kept");
  }

  private static List<Long> times(Views.Frames frames) {
    return frames.frames().stream().map(Views.Frame::captureTimeMs).toList();
  }

  private static FrameBatch batch(String device, long first, int count) {
    FrameBatch.Builder b = FrameBatch.newBuilder().setDeviceId(device).setSessionId("s");
    for (int i = 0; i < count; i++) {
      long t = first + i * 100L;
      b.addFrames(Frame.newBuilder().setCaptureTimeMs(t).setSequence((t - T0) / 100).setWidth(1).setHeight(1)
          .setJpeg(ByteString.copyFrom(jpeg(device, t))));
    }
    return b.build();
  }

  /** Stands in for a JPEG: the lookup never decodes, and this names device and time. */
  private static byte[] jpeg(String device, long t) {
    return (device + "@" + t).getBytes(StandardCharsets.UTF_8);
  }

  private static ProducerRecord<byte[], byte[]> record(String device, long timestamp, FrameBatch batch) {
    return new ProducerRecord<>(EgoStreamTopics.FRAMES, null, timestamp, device.getBytes(StandardCharsets.UTF_8),
        batch.toByteArray());
  }

  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.put("bootstrap.servers", kafka.bootstrapServers());
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
