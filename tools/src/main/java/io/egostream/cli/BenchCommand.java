package io.egostream.cli;

import picocli.CommandLine.Command;

/** {@code egostream bench}: benchmarks that print their figures. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks. They print what they measure; quote ratios from one run (the machine is shared).",
    subcommands = {BenchModelCommand.class, BenchMemoryCommand.class, BenchSoakCommand.class,
        BenchPipelineCommand.class})
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "Missing benchmark: pick one of " + String.join(", ", spec.subcommands().keySet()));
  }
}
