package io.egostream.job;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * What the job is started with on a command line, the same for the {@code egostream job} command and for
 * {@link EgoStreamJobMain} ({@code flink run}, application mode, the Kubernetes operator's {@code entryClass}):
 * {@code --bootstrap-servers HOST:PORT}, {@code --model DIR}, {@code --parallelism N} and {@code -D name=value}, where
 * the name is one of EgoStream's options ({@link EgoStreamOptions#all()}), a Kafka client property
 * ({@link EgoStreamOptions#KAFKA_PROPERTIES}) or one of Flink's.
 *
 * @param bootstrapServers Kafka brokers, or null to leave {@code kafka.bootstrap-servers} to the configuration
 * @param model model folder, or null for the shipped model (or {@code model.dir} from the configuration)
 * @param parallelism the job's parallelism; 0 = the cluster's default
 * @param options the {@code -D} values, by name
 */
public record JobArguments(String bootstrapServers, String model, int parallelism, Map<String, String> options) {
  /** The arguments {@link #parse} takes. */
  public static final String USAGE = "[--bootstrap-servers HOST:PORT] [--model DIR] [--parallelism N] "
      + "[-D name=value]...";

  private static final String PARALLELISM = "a whole number, at least 1 (or 0 for the cluster's default)";

  /**
   * Checks the arguments as {@link #parse} would.
   *
   * @throws IllegalArgumentException for a negative parallelism, or an option name that is neither EgoStream's nor
   *     Flink's (naming the closest ones)
   */
  public JobArguments {
    if (parallelism < 0) {
      throw new IllegalArgumentException("Invalid value " + parallelism + " for option --parallelism: " + PARALLELISM);
    }
    options = Map.copyOf(options);
    checkKeys(options.keySet(), "");
  }

  /**
   * Reads {@code args}: each option as {@code --name value} or {@code --name=value}, and {@code -D name=value} or
   * {@code -Dname=value} (repeatable), as the {@code job} command takes them.
   *
   * @throws IllegalArgumentException naming the argument that is unknown, lacks its value or has a bad one, or an
   *     option name that is neither EgoStream's nor Flink's (with the closest names)
   */
  public static JobArguments parse(String... args) {
    String bootstrapServers = null;
    String model = null;
    int parallelism = 0;
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int equals = arg.indexOf('=');
      String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
      String attached = arg.startsWith("--") && equals > 0 ? arg.substring(equals + 1) : null;
      if (arg.startsWith("-D")) {
        String pair = arg.length() > 2 ? arg.substring(2) : value(args, ++i, "-D");
        int split = pair.indexOf('=');
        if (split <= 0) {
          throw new IllegalArgumentException("Invalid value " + pair + " for option -D: expected name=value "
              + "(e.g. -D clip.length.ms=4000)");
        }
        options.put(pair.substring(0, split), pair.substring(split + 1));
        continue;
      }
      if (!List.of("--bootstrap-servers", "--model", "--parallelism").contains(name)) {
        throw new IllegalArgumentException("Unknown argument " + arg + ": the job takes " + USAGE);
      }
      String value = attached != null ? attached : value(args, ++i, name);
      switch (name) {
        case "--bootstrap-servers" -> bootstrapServers = value;
        case "--model" -> model = value;
        default -> parallelism = parallelism(value);
      }
    }
    return new JobArguments(bootstrapServers, model, parallelism, options);
  }

  /**
   * The options these arguments set: the {@code -D} values, then {@code kafka.bootstrap-servers} and
   * {@code model.dir} from the named arguments, which win. Nothing else: defaults are the cluster's and the options'.
   */
  public Configuration configuration() {
    Configuration conf = new Configuration();
    options.forEach(conf::setString);
    if (bootstrapServers != null) {
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    }
    if (model != null) {
      conf.set(EgoStreamOptions.MODEL_DIR, model);
    }
    return conf;
  }

  /**
   * Refuses a name that is neither one of EgoStream's options nor one Flink declares, naming the closest of both.
   *
   * @param where said after the name in the message, e.g. "in config.yaml"; empty for none
   * @throws IllegalArgumentException "Unknown job option NAME: did you mean ...?"
   */
  public static void checkKeys(Set<String> keys, String where) {
    Set<String> egoStream = EgoStreamOptions.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
    FlinkOptionKeys flink = null;
    for (String key : keys) {
      if (egoStream.contains(key)) {
        continue;
      }
      if (key.startsWith(EgoStreamOptions.KAFKA_PROPERTIES)) {
        KafkaConnectors.checkClientProperty(key);
        continue;
      }
      if (flink == null) {
        flink = FlinkOptionKeys.scan();
      }
      if (!flink.isFlinkKey(key)) {
        List<String> close = flink.closest(key, egoStream);
        throw new IllegalArgumentException("Unknown job option " + key + (where.isEmpty() ? "" : " ") + where + ": "
            + (close.isEmpty() ? "no EgoStream or Flink option is called that"
                : "did you mean " + String.join(" or ", close) + "?")
            + " (EgoStream's options: README, 'Job options'; Flink's: its configuration reference)");
      }
    }
  }

  private static String value(String[] args, int index, String name) {
    if (index >= args.length) {
      throw new IllegalArgumentException("Missing value for option " + name + ": the job takes " + USAGE);
    }
    return args[index];
  }

  private static int parallelism(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Invalid value " + value + " for option --parallelism: " + PARALLELISM);
    }
  }
}
