package io.egostream.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Clips done against the planned total, throughput and time left, on stderr: rewritten in place on a terminal, one
 * line per update (at most every few seconds) when redirected to a log.
 */
final class ProgressLine {

  private static final long LOG_INTERVAL_NANOS = 5_000_000_000L;

  private final PrintWriter err;
  private final long plannedClips;
  private final boolean interactive;
  private final long startNanos = System.nanoTime();
  private long lastPrintNanos;
  private boolean printedInPlace;

  ProgressLine(PrintWriter err, long plannedClips, boolean interactive) {
    this.err = err;
    this.plannedClips = plannedClips;
    this.interactive = interactive;
    this.lastPrintNanos = startNanos;
  }

  void update(long clipsDone) {
    long now = System.nanoTime();
    boolean last = clipsDone >= plannedClips;
    if (!interactive && !last && now - lastPrintNanos < LOG_INTERVAL_NANOS) {
      return;
    }
    lastPrintNanos = now;
    double seconds = elapsedSeconds();
    double rate = seconds > 0 ? clipsDone / seconds : 0;
    String left = rate > 0 && !last ? ", about " + Durations.format((plannedClips - clipsDone) / rate) + " left" : "";
    String line = String.format(Locale.ROOT, "embedded %d/%d clips (%.0f%%), %.2f clips/s%s", clipsDone, plannedClips,
        100.0 * clipsDone / Math.max(1, plannedClips), rate, left);
    if (interactive) {
      err.print("\r" + line + "\033[K"); // \033[K clears what a longer previous line left behind
      printedInPlace = true;
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** Ends the in-place line so whatever follows starts on a fresh one. */
  void close() {
    if (printedInPlace) {
      err.println();
      err.flush();
      printedInPlace = false;
    }
  }

  double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
