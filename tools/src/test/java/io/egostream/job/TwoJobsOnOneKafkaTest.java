package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.simulate.WearableSimulator;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two EgoStream jobs on one Kafka cluster, configured apart only by their consumer groups: their exactly-once sinks
 * must not share transactional ids, or each one's producers fence the other's and a job fails.
 */
class TwoJobsOnOneKafkaTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

  @Test
  void jobsWithDifferentGroupIdsBothCommit() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(2);
      long start = System.currentTimeMillis() / 1000 * 1000 - 30_000;
      WearableSimulator simulator = new WearableSimulator(2, 3, start, 12_000, 96, 72, 4, 4);
      try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
        simulator.run(false,
            (device, batch) -> TestKafka.send(producer, EgoStreamTopics.FRAMES, device, batch.toByteArray()));
      }
      Configuration a = jobConf(kafka, "egostream-a");
      Configuration b = jobConf(kafka, "egostream-b");
      assertNotEquals(KafkaConnectors.transactionalIdPrefix(a), KafkaConnectors.transactionalIdPrefix(b));

      JobClient first = submit(a, "job-a");
      JobClient second = submit(b, "job-b");
      // No restarts allowed: a fenced producer fails its job for good.
      first.getJobExecutionResult().get();
      second.getJobExecutionResult().get();
      assertEquals(JobStatus.FINISHED, first.getJobStatus().get());
      assertEquals(JobStatus.FINISHED, second.getJobStatus().get());

      // A quiet time of seconds, not milliseconds: a fresh consumer group can take that long to join.
      Map<String, Integer> copies = new HashMap<>();
      for (var record : TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(3))) {
        ClipEmbedding e = ClipEmbedding.parseFrom(record.value());
        copies.merge(e.getDeviceId() + "@" + e.getStartMs(), 1, Integer::sum);
      }
      assertTrue(copies.size() >= 8, "clips committed: " + copies);
      copies.forEach((clip, n) -> assertEquals(2, n, clip + ": one copy from each job"));
    }
  }

  private static Configuration jobConf(EmbeddedKafka kafka, String groupId) {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    conf.set(EgoStreamOptions.GROUP_ID, groupId);
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 300L);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    return conf;
  }

  private static JobClient submit(Configuration conf, String name) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    EgoStreamJob.configureCheckpoints(env, conf);
    EgoStreamJob.buildOnKafka(env, conf, JobSettings.from(conf, 1), true);
    return env.executeAsync(name);
  }
}
