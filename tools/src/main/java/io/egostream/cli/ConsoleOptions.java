package io.egostream.cli;

import io.egostream.console.WebConsole;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The web console's options, shared by {@code ui} and {@code demo --ui}. */
final class ConsoleOptions {
  @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
      description = "Console port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; the console has no login, "
          + "so put an authenticating proxy in front before binding wider).")
  String bind;

  @Option(names = "--answer-timeout", defaultValue = "60s", paramLabel = "DURATION",
      description = "How long a search, question or cancel waits for its answer before the page says none came "
          + "(default: ${DEFAULT-VALUE}).")
  String answerTimeout;

  /** Starts the console on {@code bootstrapServers}; a bad option or a port in use is a usage error. */
  WebConsole start(CommandSpec spec, String bootstrapServers) throws IOException {
    if (port < 0 || port > 65_535) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + port + " for option '--port': must be 0 "
          + "(any free port) to 65535");
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + bind + " for option '--bind': not an "
          + "address of this machine (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
    }
    WebConsole.Settings settings = new WebConsole.Settings(bootstrapServers, address, port,
        Durations.option(spec, answerTimeout, "--answer-timeout"));
    try {
      return WebConsole.start(settings);
    } catch (BindException e) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + port + " for option '--port': cannot "
          + "listen on " + bind + ":" + port + " (" + e.getMessage() + "); pass another port, or --port 0");
    }
  }
}
