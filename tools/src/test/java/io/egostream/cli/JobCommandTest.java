package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.job.EgoStreamOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code egostream job}'s configuration: Flink's own options, the defaults for a real stream, and resuming. */
class JobCommandTest {
  @TempDir Path dir;

  private final CommandRun command = new CommandRun();

  /** The job command as parsed from {@code args}, without running it. */
  private static JobCommand parse(String... args) {
    CommandLine commandLine = EgoStream.commandLine();
    return (JobCommand) commandLine.parseArgs(args).subcommand().commandSpec().userObject();
  }

  @Test
  void flinkOptionsPassThroughAndDefaultsSuitAStream() {
    Configuration conf = parse("job", "--bootstrap-servers", "localhost:1", "-D", "state.checkpoints.dir=" + dir,
        "-D", "restart-strategy.type=exponential-delay", "-D", "clip.length.ms=6000").configuration();
    // A deprecated Flink key wins over the default set under the new one, and is made absolute.
    assertEquals(dir.toUri().toString(), conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    assertEquals("exponential-delay", conf.get(RestartStrategyOptions.RESTART_STRATEGY));
    assertEquals(6000L, conf.get(EgoStreamOptions.CLIP_LENGTH_MS));

    Configuration defaults = parse("job", "--bootstrap-servers", "localhost:1").configuration();
    assertEquals("failure-rate", defaults.get(RestartStrategyOptions.RESTART_STRATEGY));
    assertEquals("rocksdb", defaults.get(StateBackendOptions.STATE_BACKEND));
    assertEquals("filesystem", defaults.get(CheckpointingOptions.CHECKPOINT_STORAGE));
    assertTrue(defaults.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS));
    assertEquals(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION,
        defaults.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION));
    assertEquals(Path.of(JobCommand.DEFAULT_CHECKPOINTS_DIR).toAbsolutePath().normalize().toUri().toString(),
        defaults.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    assertEquals("127.0.0.1", defaults.get(RestOptions.BIND_ADDRESS));
    assertEquals("127.0.0.1", defaults.get(RestOptions.ADDRESS));
  }

  @Test
  void flinkConfFileIsReadByFlinkAndDashDWins() throws Exception {
    Files.writeString(dir.resolve("config.yaml"), String.join("\n",
        "state:",
        "  backend:",
        "    type: hashmap",
        "rest.bind-address: 0.0.0.0",
        "kafka.group-id: from-file",
        "clip.stride.ms: 1000",
        ""));
    Configuration conf = parse("job", "--bootstrap-servers", "localhost:1", "--flink-conf",
        dir.resolve("config.yaml").toString(), "-D", "clip.stride.ms=3000").configuration();
    assertEquals("hashmap", conf.get(StateBackendOptions.STATE_BACKEND));
    assertEquals("0.0.0.0", conf.get(RestOptions.BIND_ADDRESS), "REST elsewhere when told so");
    assertEquals("from-file", conf.get(EgoStreamOptions.GROUP_ID));
    assertEquals(3000L, conf.get(EgoStreamOptions.CLIP_STRIDE_MS));

    Files.writeString(dir.resolve("config.yaml"), "state.checkpoint.dir: /tmp/x\n");
    assertEquals(2, command.run("job", "--bootstrap-servers", "localhost:1", "--flink-conf", dir.toString()));
    assertTrue(command.err().contains("Unknown job option state.checkpoint.dir in " + dir), command.err());
  }

  @Test
  void aTypoIsAUsageErrorNamingCloseMatches() {
    assertEquals(2, command.run("job", "--bootstrap-servers", "localhost:1", "-D", "clip.lenght.ms=4000"));
    assertTrue(command.err().contains("Unknown job option clip.lenght.ms: did you mean clip.length.ms"),
        command.err());
    assertEquals(2, command.run("job", "--bootstrap-servers", "localhost:1", "-D", "state.checkpoint.dir=/x"));
    assertTrue(command.err().contains("Unknown job option state.checkpoint.dir: did you mean state.checkpoints.dir"),
        command.err());
    assertEquals(2, command.run("job", "--bootstrap-servers", "localhost:1", "-D", "no.such.thing.at-all=1"));
    assertTrue(command.err().contains("no EgoStream or Flink option is called that"), command.err());
    assertEquals(2, command.run("job", "--bootstrap-servers", "localhost:1", "-D", "state.backend.incremental=often"));
    assertTrue(command.err().contains("often"), command.err());
  }

  @Test
  void aCheckpointTimeoutThatOutlastsTheKafkaTransactionIsRefusedAtStart() {
    // 5 s + (3 + 1) × 10 min: the transaction could be aborted by the broker before its checkpoint completes.
    assertEquals(2, command.run("job", "--bootstrap-servers", "localhost:1", "-D",
        "execution.checkpointing.dir=" + dir, "-D", "execution.checkpointing.timeout=10 min"));
    assertTrue(command.err().contains("Invalid value PT10M for execution.checkpointing.timeout"), command.err());
    assertTrue(command.err().contains("kafka.transaction-timeout.ms=600000"), command.err());
  }

  @Test
  void resumesFromTheNewestCompletedCheckpointOfThisJob() throws Exception {
    JobCommand job = parse("job", "--bootstrap-servers", "localhost:1", "-D", "execution.checkpointing.dir=" + dir,
        "-D", "kafka.group-id=g1");
    Configuration conf = job.configuration();
    String id = RetainedCheckpoints.jobId("g1").toHexString();
    Path jobDir = dir.resolve(id);
    Files.createDirectories(jobDir.resolve("chk-3"));
    Files.writeString(jobDir.resolve("chk-3").resolve("_metadata"), "m");
    Files.createDirectories(jobDir.resolve("chk-12"));
    Files.writeString(jobDir.resolve("chk-12").resolve("_metadata"), "m");
    Files.createDirectories(jobDir.resolve("chk-13")); // cut short by the crash: no _metadata
    Files.createDirectories(dir.resolve(RetainedCheckpoints.jobId("g2").toHexString()).resolve("chk-40"));
    Files.writeString(dir.resolve(RetainedCheckpoints.jobId("g2").toHexString()).resolve("chk-40/_metadata"), "m");

    StringWriter err = new StringWriter();
    org.apache.flink.core.fs.Path prepared = job.prepareRestore(conf);
    job.startFreshOrAnnounce(conf, prepared, new PrintWriter(err));
    assertEquals(id, conf.get(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID));
    assertEquals(jobDir.resolve("chk-12").toString(),
        new org.apache.flink.core.fs.Path(conf.get(StateRecoveryOptions.SAVEPOINT_PATH)).toUri().getPath());
    assertEquals(RecoveryClaimMode.CLAIM, conf.get(StateRecoveryOptions.RESTORE_MODE));
    assertTrue(err.toString().contains("resuming from checkpoint"), err.toString());

    JobCommand fresh = parse("job", "--bootstrap-servers", "localhost:1", "--fresh", "-D",
        "execution.checkpointing.dir=" + dir, "-D", "kafka.group-id=g1");
    Configuration freshConf = fresh.configuration();
    org.apache.flink.core.fs.Path freshDir = fresh.prepareRestore(freshConf);
    assertFalse(freshConf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent());
    assertTrue(Files.exists(jobDir), "nothing moved before the configuration is known valid");
    fresh.startFreshOrAnnounce(freshConf, freshDir, new PrintWriter(err));
    assertFalse(Files.exists(jobDir), "the old checkpoints are moved aside");
    assertTrue(err.toString().contains("the previous checkpoints were moved to"), err.toString());
    assertTrue(RetainedCheckpoints.latest(new org.apache.flink.core.fs.Path(jobDir.toString())).isEmpty());
  }

  @Test
  void movedAsideCheckpointsKeepTheirContent() throws Exception {
    Path jobDir = dir.resolve("job");
    Files.createDirectories(jobDir.resolve("chk-1"));
    Files.writeString(jobDir.resolve("chk-1/_metadata"), "m");
    var moved = RetainedCheckpoints.moveAside(new org.apache.flink.core.fs.Path(jobDir.toString()),
        Instant.parse("2026-01-02T03:04:05Z"));
    assertTrue(moved.isPresent());
    assertEquals("m", Files.readString(dir.resolve("job.before-2026-01-02T03-04-05Z/chk-1/_metadata")));
  }
}
