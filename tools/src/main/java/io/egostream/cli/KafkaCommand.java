package io.egostream.cli;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.utils.AppInfoParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream kafka}: a single-node Kafka broker with EgoStream's topics, for development and demos, without
 * installing Kafka. Runs until Ctrl-C or SIGTERM (or until its thread is interrupted, which is how tests stop it).
 */
@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run a single-node Apache Kafka broker with EgoStream's topics until Ctrl-C.",
        "KRaft mode, in this process, on 127.0.0.1 only; records up to 16 MiB;",
        "transactions for exactly-once sinks."
    })
final class KafkaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "9092", paramLabel = "PORT",
      description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Data folder; topics, records and offsets survive restarts (default: a temporary folder "
          + "deleted on exit).")
  Path dir;

  @Option(names = "--partitions", defaultValue = "" + EgoStreamTopics.DEFAULT_FRAME_PARTITIONS, paramLabel = "N",
      description = "Partitions of " + EgoStreamTopics.FRAMES + ", the most the job's frame reading can be spread "
          + "over; the other topics get 1 (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Override
  public Integer call() throws IOException {
    checkOptions();
    long started = System.nanoTime();
    EmbeddedKafka kafka = start();
    // Stopping the broker in a shutdown hook would race Log4j's own hook: Kafka logs while it stops, finds Log4j
    // stopped, and Log4j complains on stdout. So Ctrl-C and SIGTERM only end the wait below, the broker stops on
    // this thread, and the JVM exits after. The hook stays for other ways out (SIGHUP, System.exit elsewhere).
    Thread stopOnExit = new Thread(() -> stop(kafka), "egostream-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    CountDownLatch stopRequested = new CountDownLatch(1);
    Runnable restoreSignals = StopSignals.handle("Kafka", stopRequested::countDown);
    try {
      Map<String, Integer> topics = kafka.createEgoStreamTopics(partitions);
      printRunning(kafka, topics, (System.nanoTime() - started) / 1e9);
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // how tests stop it; close() still shuts down cleanly
    } finally {
      restoreSignals.run();
      if (removeShutdownHook(stopOnExit)) {
        stop(kafka);
      }
    }
    return 0;
  }

  private void stop(EmbeddedKafka kafka) {
    kafka.close();
    spec.commandLine().getOut().println("Kafka stopped.");
    spec.commandLine().getOut().flush();
  }

  /** False if the JVM is already exiting, in which case the hook runs (or ran) and stops the broker itself. */
  private static boolean removeShutdownHook(Thread hook) {
    try {
      return Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException exiting) {
      return false;
    }
  }

  private void checkOptions() {
    if (port < 0 || port > 65_535) {
      throw usage("Invalid value " + port + " for option '--port': must be 0 (any free port) to 65535");
    }
    if (partitions < 1) {
      throw usage("Invalid value " + partitions + " for option '--partitions': must be at least 1");
    }
  }

  private EmbeddedKafka start() throws IOException {
    try {
      return EmbeddedKafka.start(port, dir);
    } catch (BindException e) {
      if (port == 0) {
        throw e;
      }
      throw usage("Invalid value " + port + " for option '--port': port " + port + " on " + EmbeddedKafka.HOST
          + " is in use (another Kafka broker?); pass another port, or --port 0 for any free one");
    } catch (IllegalArgumentException e) {
      throw usage("Option '--dir': " + e.getMessage());
    }
  }

  private void printRunning(EmbeddedKafka kafka, Map<String, Integer> topics, double startSeconds) {
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "Kafka %s (KRaft, single node) started in %.1f s%n", AppInfoParser.getVersion(),
        startSeconds);
    out.println("bootstrap.servers=" + kafka.bootstrapServers());
    out.println("data: " + kafka.dataDir() + (dir == null ? " (temporary, deleted on exit)" : ""));
    out.println("topics:");
    topics.forEach((name, count) -> out.printf(Locale.ROOT, "  %-16s %d partition%s%s%n", name, count,
        count == 1 ? "" : "s", name.equals(EgoStreamTopics.FRAMES) && count != partitions
            ? " (existed already; --partitions " + partitions + " not applied)"
            : ""));
    out.printf(Locale.ROOT, "Records up to %d MiB: clients must raise max.request.size (producers) and "
        + "max.partition.fetch.bytes (consumers) too.%n", EgoStreamTopics.MAX_RECORD_BYTES / (1024 * 1024));
    out.println("Ctrl-C stops the broker.");
    out.flush();
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
