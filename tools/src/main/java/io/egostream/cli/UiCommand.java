package io.egostream.cli;

import io.egostream.console.WebConsole;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code egostream ui}: the web console against a running job's Kafka, until Ctrl-C or SIGTERM (or until its thread is
 * interrupted, which is how tests stop it).
 */
@Command(
    name = "ui",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run the web console (Live, Search, Alerts, Ask) against a running job until Ctrl-C. It talks only to",
        "Kafka: reads ego.frames, ego.embeddings and ego.answers, writes ego.queries."
    })
final class UiCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "Kafka brokers.")
  String bootstrapServers;

  @Mixin ConsoleOptions console;

  @Override
  public Integer call() throws Exception {
    try (WebConsole ui = console.start(spec, bootstrapServers)) {
      PrintWriter out = spec.commandLine().getOut();
      out.println("EgoStream console on " + ui.uri() + " (Kafka at " + bootstrapServers + "); Ctrl-C stops it.");
      out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runnable restore = StopSignals.handle("the console", stop::countDown);
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // how tests stop it; the console still closes cleanly
      } finally {
        restore.run();
      }
    }
    return 0;
  }
}
