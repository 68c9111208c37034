package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.model.SvittConfig;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.DeadLetter;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import io.egostream.simulate.WearableSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job end to end on a real in-process Kafka broker and a local Flink cluster (parallelism 2): simulated wearables
 * and a few bad records in, exactly-once embeddings and dead letters out, read back with read_committed consumers.
 */
class EgoStreamJobTest {
  private static final long START = System.currentTimeMillis() / 1000 * 1000 - 60_000;
  private static final int DEVICES = 2;
  private static final long DURATION_MS = 12_000;
  private static final double FPS = 4;

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start(0, null);
    kafka.createEgoStreamTopics(2);
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  @Test
  void framesBecomeExactlyOnceEmbeddingsAndBadRecordsBecomeDeadLetters() throws Exception {
    WearableSimulator simulator = new WearableSimulator(DEVICES, 7, START, DURATION_MS, 128, 96, FPS, 4);
    List<Long> frameTimes = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      simulator.run(false, (device, batch) -> {
        batch.getFramesList().forEach(f -> frameTimes.add(f.getCaptureTimeMs() - START));
        TestKafka.send(producer, EgoStreamTopics.FRAMES, device, batch.toByteArray());
      });
      TestKafka.send(producer, EgoStreamTopics.FRAMES, "wearable-00", new byte[] {1, 2, 3});
      TestKafka.send(producer, EgoStreamTopics.FRAMES, "someone-else", FrameBatch.newBuilder()
          .setDeviceId("wearable-01").setSessionId("s").addFrames(Frame.newBuilder().setCaptureTimeMs(START))
          .build().toByteArray());
    }

    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 500L);
    EgoStreamJob.configureCheckpoints(env, conf);
    JobSettings settings = JobSettings.from(conf, 2);
    EgoStreamJob.buildOnKafka(env, conf, settings, true);
    env.execute("egostream-test");

    // Every aligned 4 s window (stride 2 s) holding at least 4 frames of a device, counted here from the frames sent.
    Map<String, TreeSet<Long>> expected = new HashMap<>();
    for (WearableSimulator.Device device : simulator.devices()) {
      TreeSet<Long> starts = new TreeSet<>();
      for (long k = Math.floorDiv(START - 4_000, 2_000); k * 2_000 < START + DURATION_MS; k++) {
        long from = k * 2_000 - START;
        long frames = frameTimes.stream().filter(t -> t >= from && t < from + 4_000).count() / DEVICES;
        if (frames >= 4) {
          starts.add(k * 2_000);
        }
      }
      expected.put(device.deviceId(), starts);
      assertTrue(starts.size() >= 6, "12 s of frames make at least 6 clips a device: " + starts);
    }

    Map<String, TreeSet<Long>> got = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r
        : TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(2))) {
      ClipEmbedding e = ClipEmbedding.parseFrom(r.value());
      assertEquals(e.getDeviceId(), new String(r.key(), StandardCharsets.UTF_8));
      assertEquals(e.getStartMs() + 4_000, e.getEndMs());
      assertEquals(4, e.getFrameTimesMsCount());
      assertEquals(256, e.getEmbeddingCount());
      double norm = 0;
      for (float x : e.getEmbeddingList()) {
        norm += x * x;
      }
      assertEquals(1.0, norm, 1e-4);
      assertEquals(SvittConfig.tiny().tokensPerStage(),
          e.getKeptTokensList().stream().map(k -> k.getIndexCount()).toList());
      assertTrue(e.getModelId().startsWith("svitt-ego-tiny-untrained"), e.getModelId());
      assertTrue(e.getSparsity().getSparseAttention());
      assertEquals(SvittConfig.tiny().keepRate(), e.getSparsity().getKeepRate(), "adaptive sparsity is off");
      assertTrue(got.computeIfAbsent(e.getDeviceId(), d -> new TreeSet<>()).add(e.getStartMs()),
          "a clip is written once: " + e.getDeviceId() + " " + e.getStartMs());
    }
    assertEquals(expected, got);

    List<String> reasons = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r
        : TestKafka.readCommitted(kafka, EgoStreamTopics.DEADLETTER, Duration.ofSeconds(2))) {
      DeadLetter d = DeadLetter.parseFrom(r.value());
      assertEquals(EgoStreamTopics.FRAMES, d.getSourceTopic());
      reasons.add(d.getReason());
    }
    assertEquals(2, reasons.size(), reasons.toString());
    assertTrue(reasons.stream().anyMatch(r -> r.contains("malformed")), reasons.toString());
    assertTrue(reasons.stream().anyMatch(r -> r.contains("does not equal device_id")), reasons.toString());
  }
}
