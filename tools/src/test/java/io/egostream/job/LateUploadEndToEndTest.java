package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.DeadLetter;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import io.egostream.simulate.WearableSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * A wearable that uploads late keeps its frames (a running job, real Kafka, local Flink): two simulated wearables
 * record the same 16 s, the second uploads its whole recording 10 s after the first. Each device's frames are judged
 * by that device's own clock, so both get every clip, and nothing is dead-lettered.
 */
class LateUploadEndToEndTest {
  private static final long START = System.currentTimeMillis() / 2000 * 2000 - 60_000;
  private static final long DURATION_MS = 16_000;

  @Test
  void aDeviceUploadingTenSecondsLaterGetsEveryClip() throws Exception {
    WearableSimulator simulator = new WearableSimulator(2, 11, START, DURATION_MS, 128, 96, 4, 4);
    Map<String, List<FrameBatch>> batches = new TreeMap<>();
    simulator.run(false, (device, batch) -> batches.computeIfAbsent(device, d -> new ArrayList<>()).add(batch));
    Map<String, TreeSet<Long>> expected = new TreeMap<>();
    batches.forEach((device, sent) -> expected.put(device, windowsWithFourFrames(sent)));
    assertEquals(2, expected.size());
    expected.values().forEach(starts -> assertEquals(9, starts.size(), "16 s of frames make 9 clips: " + starts));

    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      kafka.createEgoStreamTopics(2);
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 300L);
      conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
      JobClient job = TestKafka.startJob(conf, false, "egostream-late-upload-test");
      try {
        List<String> devices = new ArrayList<>(batches.keySet());
        for (FrameBatch batch : batches.get(devices.get(0))) {
          TestKafka.send(producer, EgoStreamTopics.FRAMES, devices.get(0), batch.toByteArray());
        }
        TestKafka.awaitFirstCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(60));
        Thread.sleep(10_000); // the second wearable was offline: it uploads its whole recording now
        for (FrameBatch batch : batches.get(devices.get(1))) {
          TestKafka.send(producer, EgoStreamTopics.FRAMES, devices.get(1), batch.toByteArray());
        }

        Map<String, TreeSet<Long>> got = new TreeMap<>();
        long deadline = System.currentTimeMillis() + 90_000;
        while (!got.equals(expected) && System.currentTimeMillis() < deadline) {
          got.clear();
          for (ConsumerRecord<byte[], byte[]> r
              : TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(2))) {
            ClipEmbedding e = ClipEmbedding.parseFrom(r.value());
            assertTrue(got.computeIfAbsent(e.getDeviceId(), d -> new TreeSet<>()).add(e.getStartMs()),
                "a clip is written once: " + e.getDeviceId() + " " + e.getStartMs());
          }
        }
        assertEquals(expected, got);

        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r
            : TestKafka.readCommitted(kafka, EgoStreamTopics.DEADLETTER, Duration.ofSeconds(1))) {
          reasons.add(DeadLetter.parseFrom(r.value()).getReason());
        }
        assertEquals(List.of(), reasons);
      } finally {
        job.cancel().get();
      }
    }
  }

  /** Starts of the aligned 4 s windows (stride 2 s) holding at least 4 of these frames. */
  private static TreeSet<Long> windowsWithFourFrames(List<FrameBatch> sent) {
    List<Long> times = sent.stream().flatMap(b -> b.getFramesList().stream()).map(Frame::getCaptureTimeMs).toList();
    TreeSet<Long> starts = new TreeSet<>();
    for (long start = START - 4_000; start < START + DURATION_MS; start += 2_000) {
      long from = start;
      if (times.stream().filter(t -> t >= from && t < from + 4_000).count() >= 4) {
        starts.add(start);
      }
    }
    return starts;
  }
}
