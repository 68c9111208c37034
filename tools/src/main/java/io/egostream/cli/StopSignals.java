package io.egostream.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ctrl-C and SIGTERM as a request to stop, for the commands that run until then ({@code kafka}, {@code ui}). */
final class StopSignals {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  /**
   * Makes SIGINT (Ctrl-C) and SIGTERM count {@code stopRequested} down instead of exiting the JVM; a second one, when
   * a stop is under way, halts at once. Returns what restores the previous handlers. A process started in the
   * background of a non-interactive shell ignores SIGINT; that stays so (use SIGTERM there).
   *
   * <p>{@code sun.misc.Signal} is the JDK's only way to do this (Flink and Kafka use it too); javac warns that it is
   * internal API, and it is exported to all code by the jdk.unsupported module since Java 9.
   *
   * @param what what stops, for the message of a second signal, e.g. "Kafka"
   */
  static Runnable onStop(CountDownLatch stopRequested, String what) {
    List<Runnable> restore = new ArrayList<>();
    for (String name : List.of("INT", "TERM")) {
      var signal = new sun.misc.Signal(name);
      try {
        var previous = sun.misc.Signal.handle(signal, received -> {
          if (stopRequested.getCount() == 0) {
            System.err.println("Stopping " + what + " at once (second signal).");
            Runtime.getRuntime().halt(EgoStream.EXIT_FAILURE);
          }
          stopRequested.countDown();
        });
        restore.add(() -> sun.misc.Signal.handle(signal, previous));
      } catch (IllegalArgumentException reservedByJvm) { // java -Xrs: a shutdown hook has to stop it instead
        LOG.debug("Cannot handle SIG{}: {}", name, reservedByJvm.getMessage());
      }
    }
    return () -> restore.forEach(Runnable::run);
  }
}
