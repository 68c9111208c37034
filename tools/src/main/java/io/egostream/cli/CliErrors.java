package io.egostream.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Turns failures into one readable line on stderr, plus a stack trace only when asked for. */
final class CliErrors {

  private CliErrors() {}

  /** Reports a failed run; returns its exit code. */
  static int report(Throwable failure, String command, boolean withStackTrace, PrintWriter err) {
    err.println(command + ": error: " + oneLine(failure));
    if (withStackTrace) {
      failure.printStackTrace(err);
    } else {
      err.println("(run with --verbose or EGOSTREAM_DEBUG=1 for the stack trace)");
    }
    err.flush();
    return EgoStream.EXIT_FAILURE;
  }

  static int report(Throwable failure, String command, boolean withStackTrace, PrintStream err) {
    PrintWriter writer = new PrintWriter(err, true);
    return report(failure, command, withStackTrace, writer);
  }

  /** Reports a usage error: the problem and where to read the usage, not the whole usage text. */
  static int reportUsage(ParameterException e, String[] args) {
    CommandLine failed = e.getCommandLine();
    PrintWriter err = failed.getErr();
    err.println(failed.getCommandSpec().qualifiedName() + ": " + oneLine(e));
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Run '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return EgoStream.EXIT_USAGE;
  }

  /** The failure's message, followed by its causes' messages where they add something. */
  static String oneLine(Throwable failure) {
    Throwable shown = failure instanceof UncheckedIOException && failure.getCause() != null
        ? failure.getCause()
        : failure;
    StringBuilder line = new StringBuilder(describe(shown));
    for (Throwable cause = shown.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null && !message.isBlank() && line.indexOf(message.strip()) < 0) {
        line.append(": ").append(message.strip());
      }
    }
    return line.toString().replaceAll("\\s*\\R\\s*", " ");
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      return failure.getClass().getSimpleName();
    }
    // Our own exceptions carry a full sentence; for JDK/library ones the type often is the explanation.
    boolean selfExplaining = failure.getClass() == java.io.IOException.class
        || failure instanceof IllegalArgumentException
        || failure instanceof IllegalStateException
        || failure instanceof ParameterException;
    return selfExplaining ? message.strip() : failure.getClass().getSimpleName() + ": " + message.strip();
  }
}
