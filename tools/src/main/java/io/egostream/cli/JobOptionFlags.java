package io.egostream.cli;

import io.egostream.job.JobArguments;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The {@code -D NAME=VALUE} job options of the commands that run the job in this process (demo and benchmarks). */
final class JobOptionFlags {
  private JobOptionFlags() {}

  /**
   * A configuration holding {@code options}, each checked as the {@code job} command checks its own: an EgoStream
   * option, a Flink option or {@code kafka.properties.*}, else a usage error naming the closest options.
   */
  static Configuration configuration(CommandSpec spec, Map<String, String> options) {
    check(spec, options);
    Configuration conf = new Configuration();
    options.forEach(conf::setString);
    return conf;
  }

  /** Checks {@code options} as {@link #configuration} does; called first, a typo fails before anything starts. */
  static void check(CommandSpec spec, Map<String, String> options) {
    try {
      JobArguments.checkKeys(options.keySet(), "");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
