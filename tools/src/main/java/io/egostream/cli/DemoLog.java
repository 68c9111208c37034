package io.egostream.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * The demo's logging ({@code log4j2-demo.xml}): EgoStream's own warnings and anybody's errors on the console, every
 * log line of the run (Flink's and Kafka's INFO included) in a file in the system's temporary folder. A local Flink
 * cluster and an in-process broker warn about things that mean nothing to someone watching the answers (delegation
 * tokens, a web dashboard without a log file, clients of a broker that is shutting down), so those go to the file
 * only; {@code -v} puts the libraries' warnings and EgoStream's debug lines back on the console.
 */
final class DemoLog {
  private DemoLog() {}

  /** Switches to the demo's logging and returns the file that gets every line. */
  static Path start(boolean verbose) {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
    Path file = Path.of(System.getProperty("java.io.tmpdir"), "egostream-demo-" + stamp + ".log").toAbsolutePath();
    System.setProperty("egostream.demo.log-file", file.toString());
    System.setProperty("egostream.demo.own-level", verbose ? "DEBUG" : "INFO");
    System.setProperty("egostream.demo.own-console-level", verbose ? "DEBUG" : "WARN");
    System.setProperty("egostream.demo.library-console-level", verbose ? "WARN" : "ERROR");
    // Flink's web dashboard shows this file in its log tab (and stops warning that it has none).
    System.setProperty("log.file", file.toString());
    try {
      Configurator.reconfigure(DemoLog.class.getResource("/log4j2-demo.xml").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("log4j2-demo.xml is not on the class path as a resource", e);
    }
    return file;
  }
}
