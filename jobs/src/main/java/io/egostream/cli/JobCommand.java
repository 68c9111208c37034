package io.egostream.cli;

import io.egostream.job.EgoStreamJob;
import io.egostream.job.EgoStreamOptions;
import io.egostream.job.JobSettings;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream job}: the production streaming job. Run from the jar it starts a local Flink cluster in this
 * process; submitted with {@code flink run egostream.jar job ...} it runs on that cluster.
 */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run the EgoStream streaming job: frames from Kafka → clips per device → SViTT-Ego embeddings → Kafka,",
        "exactly once, with dead letters. Every job option (README, 'Job options') can be set with -D name=value."
    })
final class JobCommand implements Callable<Integer> {
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

  @Option(names = "-D", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "A job option, e.g. -D clip.length.ms=4000 (repeatable).")
  Map<String, String> options = Map.of();

  @Override
  public Integer call() throws Exception {
    Configuration conf = configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (parallelism > 0) {
      env.setParallelism(parallelism);
    }
    EgoStreamJob.configureCheckpoints(env, conf);
    JobSettings settings;
    try {
      settings = JobSettings.from(conf, env.getParallelism());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    EgoStreamJob.buildOnKafka(env, conf, settings, false);
    env.execute("egostream");
    return 0;
  }

  /** The job options: -D values first, then the named options, which win. Unknown names are usage errors. */
  private Configuration configuration() {
    Map<String, ConfigOption<?>> known = EgoStreamOptions.all().stream()
        .collect(Collectors.toMap(ConfigOption::key, o -> o));
    Configuration conf = new Configuration();
    for (Map.Entry<String, String> e : options.entrySet()) {
      if (!known.containsKey(e.getKey())) {
        throw new ParameterException(spec.commandLine(), "Unknown job option " + e.getKey() + ": use one of "
            + String.join(", ", known.keySet()));
      }
      conf.setString(e.getKey(), e.getValue());
    }
    conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    if (model != null) {
      conf.set(EgoStreamOptions.MODEL_DIR, model);
    }
    return conf;
  }
}
