package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.CancelQuery;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import io.egostream.simulate.WearableSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full process crash: {@code egostream job} runs as its own JVM from the built jar, is killed with SIGKILL after a
 * checkpoint that holds a standing query and a pending MCQ, and is started again the same way. The restarted job
 * resumes from that checkpoint: the standing query is still registered (its cancel, sent after the restart, is
 * confirmed OK, where an unknown id is answered ERROR; it fires once per moment, and the wearable films on without a
 * gap, so the moment it reported before the kill just goes on), and the MCQ asked before it is answered, exactly
 * once. Runs after {@code package} (failsafe), since it needs {@code jobs/target/egostream.jar}.
 */
class JobProcessRestartIT {
  private static final Path JAR = Path.of("..", "jobs", "target", "egostream.jar");

  @TempDir Path dir;

  private String bootstrapServers;

  @Test
  void standingQueriesAndPendingMcqsSurviveAKill9() throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: run `mvn verify`, which builds it");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(2);
      bootstrapServers = kafka.bootstrapServers();
      long start = System.currentTimeMillis() / 1000 * 1000;
      // One wearable filming in real time for the whole test, before, during and after the crash.
      WearableSimulator simulator = new WearableSimulator(1, 5, start, 240_000, 96, 72, 4, 2);
      ExecutorService filming = Executors.newSingleThreadExecutor();
      try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
        filming.submit(() -> simulator.run(true,
            (device, batch) -> TestKafka.send(producer, EgoStreamTopics.FRAMES, device, batch.toByteArray())));
        Query standing = Query.newBuilder().setQueryId("standing").setStanding(StandingQuery.newBuilder()
            .setText("#C C looks at the cup").setThreshold(-1f).addDeviceIds("wearable-00")).build();
        TestKafka.send(producer, EgoStreamTopics.QUERIES, standing.getQueryId(), standing.toByteArray());
        // Its choices lie 40 to 52 s ahead: the MCQ waits in state for frames still to be filmed at the kill.
        McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C picks up the cup");
        for (int i = 0; i < 5; i++) {
          long from = start + 40_000 + 2_000L * i;
          mcq.addChoices(ClipRange.newBuilder().setDeviceId("wearable-00").setStartMs(from).setEndMs(from + 4_000));
        }
        Query question = Query.newBuilder().setQueryId("mcq-before-kill").setMcq(mcq).build();
        TestKafka.send(producer, EgoStreamTopics.QUERIES, question.getQueryId(), question.toByteArray());

        Process first = startJob("first.log");
        try {
          // The sources commit their offsets when a checkpoint completes: past both queries = they are in one.
          awaitQueriesCommitted(kafka, first, Duration.ofMinutes(3));
        } finally {
          first.destroyForcibly().waitFor(); // SIGKILL on Linux: no shutdown hook, no final checkpoint
        }
        assertTrue(answers(kafka, Duration.ofSeconds(3)).stream()
                .noneMatch(a -> a.getQueryId().equals(question.getQueryId())),
            "the MCQ was answered before the kill (a machine this slow needs its choices further ahead)");

        Process second = startJob("second.log");
        Query cancel = Query.newBuilder().setQueryId("standing").setCancel(CancelQuery.getDefaultInstance()).build();
        TestKafka.send(producer, EgoStreamTopics.QUERIES, cancel.getQueryId(), cancel.toByteArray());
        try {
          long deadline = System.currentTimeMillis() + Duration.ofMinutes(4).toMillis();
          boolean cancelled = false;
          boolean answered = false;
          while (!(cancelled && answered)) {
            assertTrue(second.isAlive(), "the restarted job died: " + log("second.log"));
            assertTrue(System.currentTimeMillis() < deadline, "standing query cancelled after the kill: " + cancelled
                + ", MCQ answered: " + answered + "\n" + log("second.log"));
            for (Answer a : answers(kafka, Duration.ofMillis(300))) {
              assertTrue(a.getStatus() != Answer.Status.ERROR, "an ERROR answer: " + a);
              cancelled |= a.getKind() == Answer.Kind.CANCEL && a.getStatus() == Answer.Status.OK;
              answered |= a.getQueryId().equals(question.getQueryId());
            }
          }
          assertTrue(log("second.log").contains("resuming from checkpoint"), log("second.log"));
        } finally {
          second.destroyForcibly().waitFor();
          filming.shutdownNow();
        }
      }

      List<Answer> mcqAnswers = answers(kafka, Duration.ofSeconds(3)).stream()
          .filter(a -> a.getQueryId().equals("mcq-before-kill")).toList();
      assertEquals(1, mcqAnswers.size(), "the MCQ asked before the kill is answered exactly once: " + mcqAnswers);
      assertEquals(Answer.Status.OK, mcqAnswers.get(0).getStatus(), mcqAnswers.get(0).toString());
    }
  }

  /** {@code egostream job} from the jar, in its own JVM, its output in {@code logName}. */
  private Process startJob(String logName) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Dai.djl.offline=true"));
    String cache = System.getProperty("DJL_CACHE_DIR");
    if (cache != null) {
      command.add("-DDJL_CACHE_DIR=" + cache);
      command.add("-DENGINE_CACHE_DIR=" + cache);
    }
    command.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), "job", "--bootstrap-servers", bootstrapServers,
        "--parallelism", "1",
        "-D", "model.preset=tiny",
        "-D", "limits.standing.min-threshold=-1", // an untrained model: a threshold of -1 fires on every clip
        "-D", "checkpoint.interval.ms=1000",
        "-D", "batch.max-wait.ms=50",
        "-D", "mcq.safety-timeout.ms=600000"));
    // Started in its own folder, like an operator would: the checkpoints go to the default ./egostream-state.
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(logName).toFile()));
    builder.environment().put("OPT_OUT_TRACKING", "true");
    return builder.start();
  }

  /** Waits until the job's consumer group has committed offsets past every query sent so far. */
  private void awaitQueriesCommitted(EmbeddedKafka kafka, Process job, Duration timeout) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var p : admin.describeTopics(List.of(EgoStreamTopics.QUERIES)).allTopicNames().get()
          .get(EgoStreamTopics.QUERIES).partitions()) {
        latest.put(new TopicPartition(EgoStreamTopics.QUERIES, p.partition()), OffsetSpec.latest());
      }
      var ends = admin.listOffsets(latest).all().get();
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      while (true) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin
            .listConsumerGroupOffsets(EgoStreamOptions.GROUP_ID.defaultValue()).partitionsToOffsetAndMetadata().get();
        boolean past = ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
            || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset());
        if (past) {
          return;
        }
        assertTrue(job.isAlive(), "the job died: " + log("first.log"));
        assertTrue(System.currentTimeMillis() < deadline, "no checkpoint completed: " + log("first.log"));
        Thread.sleep(200);
      }
    }
  }

  private static List<Answer> answers(EmbeddedKafka kafka, Duration quiet) throws Exception {
    List<Answer> answers = new ArrayList<>();
    for (var record : TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, quiet)) {
      answers.add(Answer.parseFrom(record.value()));
    }
    return answers;
  }

  private String log(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      return "(no " + name + ": " + e + ")";
    }
  }
}
