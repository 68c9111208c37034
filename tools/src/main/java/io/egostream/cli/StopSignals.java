package io.egostream.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ctrl-C and SIGTERM as a request to stop cleanly, for the commands that run until then (kafka, ui, ingest, demo). */
final class StopSignals {

  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  /**
   * Makes SIGINT (Ctrl-C) and SIGTERM run {@code stop} instead of exiting the JVM; a second one, when a stop is under
   * way, halts at once. Returns what restores the previous handlers. A process started in the background of a
   * non-interactive shell ignores SIGINT; that stays so (use SIGTERM there).
   *
   * <p>{@code sun.misc.Signal} is the JDK's only way to do this (Flink and Kafka use it too); javac warns that it is
   * internal API, and it is exported to all code by the jdk.unsupported module since Java 9.
   *
   * @param what what is stopping, for the message of a second signal
   */
  static Runnable handle(String what, Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    List<Runnable> restore = new ArrayList<>();
    for (String name : List.of("INT", "TERM")) {
      var signal = new sun.misc.Signal(name);
      try {
        var previous = sun.misc.Signal.handle(signal, received -> {
          if (stopping.getAndSet(true)) {
            System.err.println("Stopping " + what + " at once (second signal).");
            Runtime.getRuntime().halt(EgoStream.EXIT_FAILURE);
          }
          stop.run();
        });
        restore.add(() -> sun.misc.Signal.handle(signal, previous));
      } catch (IllegalArgumentException reservedByJvm) { // java -Xrs: the JVM's shutdown hooks run instead
        LOG.debug("Cannot handle SIG{}: {}", name, reservedByJvm.getMessage());
      }
    }
    return () -> restore.forEach(Runnable::run);
  }
}
