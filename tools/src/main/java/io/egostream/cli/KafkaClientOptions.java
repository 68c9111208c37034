package io.egostream.cli;

import io.egostream.job.EgoStreamOptions;
import io.egostream.job.KafkaConnectors;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/**
 * {@code -D kafka.properties.NAME=VALUE} for the commands that talk to a broker of the user's ({@code query},
 * {@code simulate}): the same Kafka client properties the job takes (security, mostly), checked the same way.
 */
final class KafkaClientOptions {
  @Option(names = "-D", paramLabel = "kafka.properties.NAME=VALUE", mapFallbackValue = "", scope = ScopeType.INHERIT,
      description = "A Kafka client property, as the job takes it, e.g. "
          + "-D kafka.properties.security.protocol=SASL_SSL (repeatable).")
  Map<String, String> properties = Map.of();

  /**
   * The client properties by NAME, for a producer's or consumer's configuration; anything else given with -D is a
   * usage error of {@code spec}'s command.
   */
  Map<String, Object> clientProperties(CommandSpec spec) {
    for (String key : properties.keySet()) {
      if (!key.startsWith(EgoStreamOptions.KAFKA_PROPERTIES)) {
        throw new ParameterException(spec.commandLine(), "Unknown option -D " + key + ": " + spec.name()
            + " takes only Kafka client properties, -D " + EgoStreamOptions.KAFKA_PROPERTIES + "NAME=VALUE");
      }
    }
    Map<String, Object> config = new HashMap<>();
    try {
      KafkaConnectors.clientProperties(Configuration.fromMap(properties)).forEach((k, v) -> config.put((String) k, v));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return config;
  }
}
