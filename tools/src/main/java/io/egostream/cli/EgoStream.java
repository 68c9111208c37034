package io.egostream.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code egostream} command line.
 *
 * <p>To add a command, write a {@code @Command} class that implements {@code Callable<Integer>} and list it in
 * {@code subcommands} below: error handling, exit codes and {@code --verbose} apply to it with no further wiring.
 * Throw {@link CommandLine.ParameterException} for bad option values (exit 2); any other exception exits 1 with its
 * message on one line.
 */
@Command(
    name = "egostream",
    mixinStandardHelpOptions = true,
    versionProvider = EgoStream.ManifestVersion.class,
    description = "Streaming SViTT-Ego video analytics for egocentric (wearable-camera) video.",
    subcommands = {
        DemoCommand.class,
        EmbedCommand.class,
        InitModelCommand.class,
        BenchCommand.class,
        KafkaCommand.class,
        SimulateCommand.class,
        IngestCommand.class,
        JobCommand.class,
        QueryCommand.class,
        UiCommand.class,
        TrainCommand.class,
        GenDataCommand.class,
        EvalMcqCommand.class,
        EvalNlqCommand.class,
    })
public final class EgoStream implements Runnable {

  /** Exit code of a failed run (picocli's default for exceptions in a command). */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;
  /** Exit code of a usage error: bad or missing options (picocli's default). */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  @Spec CommandSpec spec;

  private boolean verbose;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Print stack traces of errors and debug logging of EgoStream (also: environment EGOSTREAM_DEBUG).")
  void setVerbose(boolean verbose) {
    this.verbose = verbose;
    if (verbose) {
      Configurator.setLevel("io.egostream", Level.DEBUG);
    }
  }

  boolean verbose() {
    return verbose || debugEnvironment();
  }

  @Override
  public void run() {
    // No subcommand given: show what there is.
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: pick one of "
        + String.join(", ", spec.subcommands().keySet()));
  }

  public static void main(String[] args) {
    int exitCode;
    try {
      exitCode = commandLine().execute(args);
    } catch (Throwable t) { // Errors (e.g. a native library that fails to load) bypass picocli's handler
      exitCode = CliErrors.report(t, "egostream", debugEnvironment(), System.err);
    }
    System.exit(exitCode);
  }

  /** The configured command line; {@code main} runs it, tests call {@code execute} on it. */
  public static CommandLine commandLine() {
    keepDjlOffline();
    EgoStream root = new EgoStream();
    CommandLine commandLine = new CommandLine(root);
    commandLine.setExecutionExceptionHandler(
        (e, failed, parseResult) ->
            CliErrors.report(e, failed.getCommandSpec().qualifiedName(), root.verbose(), failed.getErr()));
    commandLine.setParameterExceptionHandler(CliErrors::reportUsage);
    return commandLine;
  }

  /**
   * DJL otherwise calls the network when its engine starts (a cloud metadata address, usage tracking). Set before
   * anything touches DJL; values given on the command line ({@code -D}) win.
   */
  static void keepDjlOffline() {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
  }

  static boolean debugEnvironment() {
    String value = System.getenv("EGOSTREAM_DEBUG");
    return value != null && !value.isBlank() && !value.equals("0") && !value.equalsIgnoreCase("false");
  }

  /** Version from the jar manifest (written by the build); absent when running from classes. */
  static final class ManifestVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = EgoStream.class.getPackage().getImplementationVersion();
      return new String[] {
          "egostream " + (version == null ? "(development build)" : version),
          "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
              + System.getProperty("os.arch")
      };
    }
  }
}
