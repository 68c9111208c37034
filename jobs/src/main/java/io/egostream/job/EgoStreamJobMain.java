package io.egostream.job;

import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job's plain entry point, for {@code flink run egostream-job.jar ARGS} (the thin jar's main class), Flink's
 * application mode and the Kubernetes operator's {@code entryClass}. It takes the {@code job} command's arguments
 * ({@link JobArguments#USAGE}) and runs on the cluster it is submitted to, with that cluster's configuration: EgoStream
 * options may also be set there, and the arguments win. None of the {@code job} command's defaults for a local
 * cluster are applied (state backend, checkpoint folder, restart strategy): a real cluster's configuration decides.
 *
 * <p>It never calls {@link System#exit}: in application mode that would stop the JobManager with the job. A bad
 * argument is an {@link IllegalArgumentException} naming it, which Flink reports as the job's failure.
 */
public final class EgoStreamJobMain {
  private EgoStreamJobMain() {}

  /**
   * Builds the job on the execution environment Flink provides and runs it until it is cancelled.
   *
   * @throws IllegalArgumentException for a bad argument or option value
   */
  public static void main(String[] args) throws Exception {
    JobArguments arguments = JobArguments.parse(args);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(arguments.configuration());
    if (arguments.parallelism() > 0) {
      env.setParallelism(arguments.parallelism());
    }
    // The cluster's configuration with the arguments on top: where EgoStream's options are read from.
    ReadableConfig conf = env.getConfiguration();
    if (conf.getOptional(EgoStreamOptions.BOOTSTRAP_SERVERS).isEmpty()) {
      throw new IllegalArgumentException("No Kafka brokers given: pass --bootstrap-servers HOST:PORT (or set "
          + EgoStreamOptions.BOOTSTRAP_SERVERS.key() + " in the Flink configuration)");
    }
    EgoStreamJob.configureCheckpoints(env, conf);
    EgoStreamJob.buildOnKafka(env, conf, JobSettings.from(conf, env.getParallelism()), false);
    env.execute("egostream");
  }
}
