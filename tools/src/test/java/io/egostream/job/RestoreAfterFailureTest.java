package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import io.egostream.simulate.WearableSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly once through a real failure: a TaskManager of a two-TaskManager cluster is killed while the job runs; the
 * job restarts from its last checkpoint on a fresh TaskManager, and read_committed consumers see every clip and every
 * answer exactly once.
 */
class RestoreAfterFailureTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(2).setNumberSlotsPerTaskManager(1).build());

  /**
   * The recording ends a few seconds before the test starts. Not much further back: after the restore, the MCQ
   * choices may be served as of the queries' own time, and ranges older than the frame retention (120 s) before it
   * are aged out, so the slack must cover a slow machine's set-up time.
   */
  private static final long START = System.currentTimeMillis() / 1000 * 1000 - 30_000;
  private static final int DEVICES = 3;
  private static final long DURATION_MS = 24_000;
  private static final int MCQS = 3;

  @Test
  void aKilledTaskManagerLosesNothingAndDuplicatesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(2);
      WearableSimulator simulator = new WearableSimulator(DEVICES, 11, START, DURATION_MS, 96, 72, 4, 4);
      try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
        simulator.run(false,
            (device, batch) -> TestKafka.send(producer, EgoStreamTopics.FRAMES, device, batch.toByteArray()));
        for (int q = 0; q < MCQS; q++) {
          McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C picks up the cup " + q);
          for (int i = 0; i < 5; i++) {
            long from = START + 1_000 + 3_000L * i + 500L * q;
            mcq.addChoices(ClipRange.newBuilder().setDeviceId("wearable-0" + (i + q) % DEVICES).setStartMs(from)
                .setEndMs(from + 4_000));
          }
          Query query = Query.newBuilder().setQueryId("mcq-" + q).setMcq(mcq).build();
          TestKafka.send(producer, EgoStreamTopics.QUERIES, query.getQueryId(), query.toByteArray());
        }
        Query standing = Query.newBuilder().setQueryId("standing").setStanding(StandingQuery.newBuilder()
            .setText("#C C looks at the cup").setThreshold(-1f).addDeviceIds("wearable-00")).build();
        TestKafka.send(producer, EgoStreamTopics.QUERIES, standing.getQueryId(), standing.toByteArray());
      }

      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.BATCH_MAX_SIZE, 1); // one model call per clip: slow enough to fail in the middle
      conf.set(EgoStreamOptions.MODEL_PRESET, "tiny"); // 4 frames a clip, the timing this test was measured with
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      env.setParallelism(2);
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 200L);
      // The untrained model scores at random: a threshold of -1 makes the standing query fire on every clip.
      conf.set(EgoStreamOptions.STANDING_MIN_THRESHOLD, -1f);
      EgoStreamJob.configureCheckpoints(env, conf);
      JobSettings settings = JobSettings.from(conf, 2);
      EgoStreamJob.buildOnKafka(env, conf, settings, true);
      JobClient job = env.executeAsync("egostream-restore-test");

      // Kill a TaskManager as soon as some clips are committed: the job is then mid-way.
      TestKafka.awaitFirstCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofMinutes(2));
      assertFalse(job.getJobStatus().get().isGloballyTerminalState(), "the job must still run when it is killed");
      cluster.terminateTaskManager(0).get();
      cluster.startTaskManager();
      job.getJobExecutionResult().get();
      assertEquals(JobStatus.FINISHED, job.getJobStatus().get());

      List<String> clips = readCommittedClips(kafka);
      Set<String> distinct = new HashSet<>(clips);
      assertEquals(distinct.size(), clips.size(), "no clip is committed twice");
      // Every window starting from the first frame's to 2 s before the last frame's holds at least 4 frames (4 fps).
      for (WearableSimulator.Device device : simulator.devices()) {
        for (long start = Math.floorDiv(START, 2_000) * 2_000; start < START + DURATION_MS - 2_000; start += 2_000) {
          assertTrue(distinct.contains(device.deviceId() + "@" + start), "missing " + device.deviceId() + "@" + start);
        }
      }

      // Answers too: every MCQ answered exactly once, from its five exact ranges; the standing query (threshold -1:
      // every clip matches) fires once, on a committed clip of its device: its device's clips are all there (above),
      // so they are one moment, also across the failure (the moment it reported is restored with the clip store).
      List<String> mcqs = new ArrayList<>();
      List<String> standingHits = new ArrayList<>();
      for (var record : TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofSeconds(5))) {
        Answer a = Answer.parseFrom(record.value());
        if (a.getKind() == Answer.Kind.MCQ) {
          mcqs.add(a.getQueryId());
          assertEquals(Answer.Status.OK, a.getStatus(), a.toString());
        } else if (a.getKind() == Answer.Kind.STANDING) {
          standingHits.add(a.getHits(0).getDeviceId() + "@" + a.getHits(0).getStartMs());
        }
      }
      assertEquals(MCQS, mcqs.size(), "each MCQ answered once: " + mcqs);
      assertEquals(MCQS, new HashSet<>(mcqs).size());
      assertEquals(1, standingHits.size(), "once per moment: " + standingHits);
      assertTrue(standingHits.stream().allMatch(h -> h.startsWith("wearable-00@") && distinct.contains(h)));
    }
  }

  /** device@start of every committed clip embedding. */
  private static List<String> readCommittedClips(EmbeddedKafka kafka) throws Exception {
    List<String> clips = new ArrayList<>();
    for (var record : TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(5))) {
      ClipEmbedding e = ClipEmbedding.parseFrom(record.value());
      clips.add(e.getDeviceId() + "@" + e.getStartMs());
    }
    return clips;
  }
}
