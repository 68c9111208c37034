package io.egostream.cli;

import io.egostream.job.EgoStreamJob;
import io.egostream.job.EgoStreamOptions;
import io.egostream.job.JobArguments;
import io.egostream.job.JobSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream job}: the production streaming job on a local Flink cluster in this process. A real cluster runs
 * the thin job jar's {@link io.egostream.job.EgoStreamJobMain} with the same arguments ({@link JobArguments}).
 *
 * <p>It takes EgoStream's options and Flink's own, and ships Flink settings for a long-running stream
 * ({@link #streamDefaults}). Run from the jar and started again, it resumes from the newest checkpoint it completed,
 * so buffered frames, pending MCQs and standing queries survive a crash of the whole process (docs/operations.md).
 */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run the EgoStream streaming job: frames from Kafka → clips per device → SViTT-Ego embeddings → Kafka,",
        "exactly once, with dead letters. Every job option (README, 'Job options') and every Flink option can be set",
        "with -D name=value or in a Flink config.yaml (--flink-conf). Started again, the job resumes from its newest",
        "checkpoint (execution.checkpointing.dir, default " + JobCommand.DEFAULT_CHECKPOINTS_DIR + "); --fresh",
        "starts empty. See docs/operations.md."
    })
final class JobCommand implements Callable<Integer> {
  /** Where checkpoints go unless {@code execution.checkpointing.dir} is set: beside where the job was started. */
  static final String DEFAULT_CHECKPOINTS_DIR = "./egostream-state/checkpoints";

  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT",
      description = "Kafka brokers (sets kafka.bootstrap-servers).")
  String bootstrapServers;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder (sets model.dir; default: the trained model shipped in the jar).")
  String model;

  @Option(names = "--parallelism", defaultValue = "0", paramLabel = "N",
      description = "Parallelism of the job's operators; 0 = the cluster's default (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--flink-conf", paramLabel = "FILE",
      description = "A Flink config.yaml (or its folder), read by Flink's own loader; -D options win over it.")
  java.nio.file.Path flinkConf;

  @Option(names = "--fresh",
      description = "Start empty instead of resuming from the newest checkpoint: the old checkpoints are moved "
          + "aside, and the sources start from the consumer group's committed offsets.")
  boolean fresh;

  @Option(names = "-D", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "A job option or a Flink option, e.g. -D clip.length.ms=4000 (repeatable).")
  Map<String, String> options = Map.of();

  @Override
  public Integer call() throws Exception {
    Configuration conf = configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    // Resuming by a job id fixed per job is for the cluster this process runs: a session cluster refuses a job id it
    // has seen finish, so under flink run the restore is Flink's usual one (flink run -s, or HA application mode).
    boolean inProcess = env instanceof LocalStreamEnvironment;
    if (fresh && !inProcess) {
      throw new ParameterException(spec.commandLine(), "--fresh applies to the local cluster of java -jar only: "
          + "with flink run, a job starts empty unless given a checkpoint (flink run -s)");
    }
    Path jobDir = null;
    if (inProcess) {
      jobDir = prepareRestore(conf);
      env.configure(conf);
    }
    if (parallelism > 0) {
      env.setParallelism(parallelism);
    }
    JobSettings settings;
    try {
      EgoStreamJob.configureCheckpoints(env, conf);
      settings = JobSettings.from(conf, env.getParallelism());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (inProcess) {
      startFreshOrAnnounce(conf, jobDir, spec.commandLine().getErr());
    }
    EgoStreamJob.buildOnKafka(env, conf, settings, false);
    env.execute("egostream");
    return 0;
  }

  /**
   * Everything the job is configured with, lowest precedence first: {@link #streamDefaults}, the {@code --flink-conf}
   * file, -D values, then the named options. A key that is neither EgoStream's nor Flink's is a usage error.
   */
  Configuration configuration() {
    Configuration conf = new Configuration();
    try {
      if (flinkConf != null) {
        Configuration file = loadFlinkConf();
        JobArguments.checkKeys(file.keySet(), "in " + flinkConf);
        conf.addAll(file);
      }
      conf.addAll(new JobArguments(bootstrapServers, model, parallelism, options).configuration());
      streamDefaults(conf);
    } catch (IllegalArgumentException e) { // an unknown key, or a value of the wrong type, e.g. a bad duration
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return conf;
  }

  /**
   * Flink settings for a long-running stream, each set only where the configuration leaves it unset (Flink's own
   * defaults suit a short test, not this): see docs/operations.md for why each.
   */
  static void streamDefaults(Configuration conf) {
    // A record that fails the job every time makes the failure rate exceed 5 in 10 min and the job stop, visibly,
    // instead of restarting forever; a rare crash (a lost TaskManager) restarts after 10 s as often as it happens.
    setDefault(conf, RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
    setDefault(conf, RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL, 5);
    setDefault(conf, RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
        Duration.ofMinutes(10));
    setDefault(conf, RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY, Duration.ofSeconds(10));
    // Keyed state holds every device's buffered JPEGs (up to frames.retention.ms of them): on disk in RocksDB, not on
    // the heap, and checkpointed incrementally, since most of the buffer is unchanged from one checkpoint to the next.
    setDefault(conf, StateBackendOptions.STATE_BACKEND, "rocksdb");
    setDefault(conf, CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    // To files, not the JobManager's memory (5 MiB per state handle), and kept when the job is cancelled or the
    // process dies, so that the next start resumes from them.
    setDefault(conf, CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    setDefault(conf, CheckpointingOptions.CHECKPOINTS_DIRECTORY, DEFAULT_CHECKPOINTS_DIR);
    setDefault(conf, CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    restOnLoopback(conf);
    // Flink resolves a relative path against whichever process writes it: make it this folder's, once.
    String dir = conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
    if (new Path(dir).toUri().getScheme() == null) {
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
          java.nio.file.Path.of(dir).toAbsolutePath().normalize().toUri().toString());
    }
  }

  /** Flink's web UI and REST API on this machine only, unless {@code rest.bind-address} says otherwise. */
  static void restOnLoopback(Configuration conf) {
    setDefault(conf, RestOptions.BIND_ADDRESS, "127.0.0.1");
    setDefault(conf, RestOptions.ADDRESS, "127.0.0.1");
  }

  /**
   * Before the environment is made from {@code conf}: fixes the job's Flink id by its consumer group
   * ({@link RetainedCheckpoints#jobId}), so its checkpoints are found under {@code DIR/JOB_ID}, and unless a restore
   * path is given or {@code --fresh}, sets the newest completed one there as the restore path, claimed, so that Flink
   * deletes it once newer ones exist. Changes nothing on disk.
   *
   * @return the job's checkpoint folder
   */
  Path prepareRestore(Configuration conf) throws IOException {
    JobID id = conf.getOptional(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID).map(JobID::fromHexString)
        .orElseGet(() -> RetainedCheckpoints.jobId(conf.get(EgoStreamOptions.GROUP_ID)));
    conf.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, id.toHexString());
    String checkpoints = conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
    Path jobDir = conf.get(CheckpointingOptions.CREATE_CHECKPOINT_SUB_DIR)
        ? new Path(checkpoints, id.toHexString()) : new Path(checkpoints);
    Optional<String> given = conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
    if (given.isPresent() && fresh) {
      throw new ParameterException(spec.commandLine(), "--fresh contradicts "
          + StateRecoveryOptions.SAVEPOINT_PATH.key() + "=" + given.get() + " (give one or the other)");
    }
    if (given.isEmpty() && !fresh) {
      Optional<Path> latest = RetainedCheckpoints.latest(jobDir);
      if (latest.isPresent()) {
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.get().toString());
        setDefault(conf, StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
      }
    }
    return jobDir;
  }

  /**
   * Once the configuration is known to be valid: for {@code --fresh}, moves the job's old checkpoints aside; then
   * says on {@code err} what the job starts from.
   */
  void startFreshOrAnnounce(Configuration conf, Path jobDir, PrintWriter err) throws IOException {
    Optional<String> restore = conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
    if (fresh) {
      Optional<Path> moved = RetainedCheckpoints.moveAside(jobDir, Instant.now());
      err.println("egostream job: starting fresh (--fresh) from the committed Kafka offsets"
          + moved.map(p -> "; the previous checkpoints were moved to " + p).orElse(""));
    } else if (restore.isPresent() && restore.get().startsWith(jobDir.toString())) {
      err.println("egostream job: resuming from checkpoint " + restore.get() + " (the newest in " + jobDir
          + "; --fresh starts empty)");
    } else if (restore.isPresent()) {
      err.println("egostream job: restoring from " + restore.get() + " ("
          + StateRecoveryOptions.SAVEPOINT_PATH.key() + ")");
    } else {
      err.println("egostream job: no checkpoint in " + jobDir + ", starting from the committed Kafka offsets");
    }
    err.flush();
  }

  private Configuration loadFlinkConf() {
    // Flink's loader reads DIR/config.yaml: pass the folder, so nested YAML, lists and durations read as in Flink.
    java.nio.file.Path dir = Files.isDirectory(flinkConf) ? flinkConf : flinkConf.toAbsolutePath().getParent();
    if (!Files.isDirectory(flinkConf)
        && !flinkConf.getFileName().toString().equals(GlobalConfiguration.FLINK_CONF_FILENAME)) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + flinkConf + " for option '--flink-conf': "
          + "Flink reads its configuration from a file named " + GlobalConfiguration.FLINK_CONF_FILENAME
          + " (rename it, or give its folder)");
    }
    try {
      return GlobalConfiguration.loadConfiguration(dir.toString());
    } catch (IllegalConfigurationException e) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + flinkConf + " for option '--flink-conf': "
          + e.getMessage());
    }
  }

  private static <T> void setDefault(Configuration conf, ConfigOption<T> option, T value) {
    if (conf.getOptional(option).isEmpty()) {
      conf.set(option, value);
    }
  }
}
