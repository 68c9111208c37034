package io.egostream.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once through real faults on the local multi-process cluster of {@code deploy/cluster.sh}: a broker, a
 * JobManager and two TaskManagers of two slots, each its own JVM, started by the script as a user starts them and
 * shared by the tests, which each film into topics of their own ({@link FilmedStream}). Every test counts what
 * {@code read_committed} consumers see: each expected clip embedding and each answer exactly once, no dead letters.
 * Each prints its counts and timings (kill to first new committed record) to standard output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterFaultIT {
  /** Long enough that the fault lands while frames and queries still flow, after some clips are committed. */
  private static final Duration FILMING = Duration.ofSeconds(36);
  /** Clips committed before the fault: 3 per device, so checkpoints have completed and the job is mid-way. */
  private static final int CLIPS_BEFORE_FAULT = 9;
  private static final Duration STARTUP = Duration.ofMinutes(3);
  private static final Duration DRAIN = Duration.ofMinutes(3);

  @TempDir static Path dir;
  private static LocalCluster cluster;
  private static final List<String> REPORT = new ArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    long started = System.currentTimeMillis();
    cluster = LocalCluster.up(dir.resolve("cluster"), 2);
    report("cluster up (broker, JobManager, 2 TaskManagers)", started, "");
  }

  /** A failed test leaves its job running: cancel it, so that the next test gets every slot. */
  @AfterEach
  void cancelLeftovers() throws Exception {
    cluster.cancelRunningJobs();
  }

  @AfterAll
  static void down() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    REPORT.forEach(System.out::println);
  }

  @Test
  @Order(1)
  void aTaskManagerKilledWithSigkillIsReplacedAndNothingIsLostOrDuplicated() throws Exception {
    long started = System.currentTimeMillis();
    try (FilmedStream stream = new FilmedStream(cluster.bootstrapServers(), "kill-tm", FILMING)) {
      String job = cluster.submit(List.of("-p", "2"), stream.jobArgs());
      cluster.awaitAllTasksRunning(job, STARTUP);
      stream.start();
      stream.awaitCommittedClips(CLIPS_BEFORE_FAULT, STARTUP, cluster.logs());

      long killedAt = cluster.crash("taskmanager-1");
      cluster.startTaskManager(); // the replacement, as a supervisor (Kubernetes, systemd) would start it
      long runningAgainAt = awaitRestarted(job, killedAt);
      long firstNewAt = awaitFirstCommittedAfter(stream, runningAgainAt);

      FilmedStream.Counts counts = stream.assertExactlyOnce(DRAIN, () -> running(job), cluster.logs());
      assertTrue(cluster.logLines("Restoring job " + job + " from Checkpoint").size() > 0,
          "the job restored from a checkpoint" + cluster.logs());
      int fenced = cluster.logLines("ProducerFencedException").size();
      report("1 kill -9 TaskManager", started, counts + String.format(Locale.ROOT, "; restarted (RUNNING) "
          + "%.1f s and first new committed record %.1f s after the kill; %d log lines with ProducerFencedException",
          (runningAgainAt - killedAt) / 1e3, (firstNewAt - killedAt) / 1e3, fenced));
    }
  }

  @Test
  @Order(2)
  void stopWithSavepointThenRescaleTwoToThreeWithAChangedOptionLosesNothing() throws Exception {
    long started = System.currentTimeMillis();
    try (FilmedStream stream = new FilmedStream(cluster.bootstrapServers(), "upgrade", FILMING)) {
      List<String> before = new ArrayList<>(stream.jobArgs());
      before.addAll(List.of("-D", "batch.max-wait.ms=50"));
      String job = cluster.submit(List.of("-p", "2"), before);
      cluster.awaitAllTasksRunning(job, STARTUP);
      stream.start();
      stream.awaitCommittedClips(CLIPS_BEFORE_FAULT, STARTUP, cluster.logs());

      long stopAt = System.currentTimeMillis();
      String savepoint = cluster.stopWithSavepoint(job);
      assertEquals("FINISHED", cluster.jobState(job));
      // The upgrade: parallelism 2 -> 3 and a different batching wait (an option that is not state).
      List<String> after = new ArrayList<>(stream.jobArgs());
      after.addAll(List.of("-D", "batch.max-wait.ms=200"));
      String upgraded = cluster.submit(List.of("-p", "3", "-s", savepoint), after);
      cluster.awaitAllTasksRunning(upgraded, STARTUP);
      long runningAt = System.currentTimeMillis();
      for (JsonNode vertex : cluster.rest("/jobs/" + upgraded).path("vertices")) {
        assertTrue(vertex.path("parallelism").asInt() <= 3, vertex.toString());
      }
      assertTrue(maxParallelism(upgraded) == 3, "the upgraded job runs at parallelism 3");
      long firstNewAt = awaitFirstCommittedAfter(stream, runningAt);

      FilmedStream.Counts counts = stream.assertExactlyOnce(DRAIN, () -> running(upgraded), cluster.logs());
      report("2 stop-with-savepoint, 2 -> 3, batch.max-wait.ms 50 -> 200", started, counts
          + String.format(Locale.ROOT, "; stop to upgraded job running %.1f s, to first new committed record %.1f s",
              (runningAt - stopAt) / 1e3, (firstNewAt - stopAt) / 1e3));
    }
  }

  @Test
  @Order(3)
  void aCancelledJobSubmittedAgainRunsOnTheSameTaskManagers() throws Exception {
    long started = System.currentTimeMillis();
    try (FilmedStream stream = new FilmedStream(cluster.bootstrapServers(), "resubmit", FILMING)) {
      String job = cluster.submit(List.of("-p", "2"), stream.jobArgs());
      cluster.awaitAllTasksRunning(job, STARTUP);
      stream.start();
      stream.awaitCommittedClips(CLIPS_BEFORE_FAULT, STARTUP, cluster.logs());

      long cancelAt = System.currentTimeMillis();
      cluster.cancel(job);
      awaitState(job, "CANCELED");
      // Resumed from the checkpoint the cancelled job kept (RETAIN_ON_CANCELLATION), in new classloaders on the same
      // TaskManager JVMs, which already hold libtorch's native libraries.
      String checkpoint = cluster.latestCheckpoint(job).orElseThrow();
      String again = cluster.submit(List.of("-p", "2", "-s", checkpoint), stream.jobArgs());
      cluster.awaitAllTasksRunning(again, STARTUP);
      long runningAt = System.currentTimeMillis();
      long firstNewAt = awaitFirstCommittedAfter(stream, runningAt);

      FilmedStream.Counts counts = stream.assertExactlyOnce(DRAIN, () -> running(again), cluster.logs());
      assertEquals(List.of(), cluster.logLines("already loaded in another classloader"));
      assertEquals(0, cluster.restarts(again), "the resubmitted job never failed");
      report("3 cancel and submit again from the retained checkpoint", started, counts
          + String.format(Locale.ROOT, "; cancel to first new committed record %.1f s", (firstNewAt - cancelAt) / 1e3));
    }
  }

  @Test
  @Order(4)
  void aBrokerKilledWithSigkillAndRestartedOnItsDataLosesNothing() throws Exception {
    long started = System.currentTimeMillis();
    try (FilmedStream stream = new FilmedStream(cluster.bootstrapServers(), "kill-kafka", FILMING)) {
      String job = cluster.submit(List.of("-p", "2"), stream.jobArgs());
      cluster.awaitAllTasksRunning(job, STARTUP);
      stream.start();
      stream.awaitCommittedClips(CLIPS_BEFORE_FAULT, STARTUP, cluster.logs());

      long killedAt = cluster.crash("kafka");
      cluster.startKafka(); // same port, same data folder
      long brokerUpAt = System.currentTimeMillis();
      long firstNewAt = awaitFirstCommittedAfter(stream, killedAt);

      FilmedStream.Counts counts = stream.assertExactlyOnce(DRAIN, () -> running(job), cluster.logs());
      report("4 kill -9 broker, restart on its data", started, counts + String.format(Locale.ROOT,
          "; broker back %.1f s and first new committed record %.1f s after the kill; job restarts: %d",
          (brokerUpAt - killedAt) / 1e3, (firstNewAt - killedAt) / 1e3, cluster.restarts(job)));
    }
  }

  /** Waits until the job has restarted after the kill and runs every task again: the wall time it does. */
  private static long awaitRestarted(String job, long killedAt) throws Exception {
    long deadline = killedAt + STARTUP.toMillis();
    while (!(cluster.restarts(job) > 0 && cluster.allTasksRunning(job))) {
      assertTrue(System.currentTimeMillis() < deadline, "not running again: " + cluster.jobState(job)
          + cluster.logs());
      Thread.sleep(100);
    }
    return System.currentTimeMillis();
  }

  private static long awaitFirstCommittedAfter(FilmedStream stream, long ms) throws Exception {
    long deadline = System.currentTimeMillis() + STARTUP.toMillis();
    long first;
    while ((first = stream.firstCommittedAtOrAfter(ms)) < 0) {
      assertTrue(System.currentTimeMillis() < deadline, "nothing committed after the fault" + cluster.logs());
      Thread.sleep(50);
    }
    return first;
  }

  private static void awaitState(String job, String state) throws Exception {
    long deadline = System.currentTimeMillis() + STARTUP.toMillis();
    while (!cluster.jobState(job).equals(state)) {
      assertTrue(System.currentTimeMillis() < deadline, "job " + job + " not " + state + cluster.logs());
      Thread.sleep(200);
    }
  }

  private static int maxParallelism(String job) throws Exception {
    int max = 0;
    for (JsonNode vertex : cluster.rest("/jobs/" + job).path("vertices")) {
      max = Math.max(max, vertex.path("parallelism").asInt());
    }
    return max;
  }

  /** False once the job is in a terminal state: waiting for its output is then pointless. */
  private static boolean running(String job) {
    try {
      String state = cluster.jobState(job);
      return !List.of("FAILED", "CANCELED", "FINISHED").contains(state);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void report(String test, long startedAtMs, String figures) {
    String line = String.format(Locale.ROOT, "LocalClusterFaultIT | %s | %.0f s | %s", test,
        (System.currentTimeMillis() - startedAtMs) / 1e3, figures);
    System.out.println(line);
    REPORT.add(line);
  }
}
