package io.egostream.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Work done against the total, throughput and time left, on stderr: rewritten in place on a terminal, one line per
 * update (at most every few seconds) when redirected to a log. Shared by {@code embed}, {@code eval-mcq} and
 * {@code eval-nlq}.
 */
final class ProgressLine {

  private static final long LOG_INTERVAL_NANOS = 5_000_000_000L;

  private final PrintWriter err;
  private final String label;
  private final String unit;
  private final boolean interactive;
  private final long startNanos = System.nanoTime();
  private long lastPrintNanos;
  private boolean printedInPlace;

  /** {@code label} starts the line ("embedded", "eval-mcq:"), {@code unit} names what is counted ("clips"). */
  ProgressLine(PrintWriter err, String label, String unit, boolean interactive) {
    this.err = err;
    this.label = label;
    this.unit = unit;
    this.interactive = interactive;
    this.lastPrintNanos = startNanos;
  }

  void update(long done, long total) {
    long now = System.nanoTime();
    boolean last = done >= total;
    if (!interactive && !last && now - lastPrintNanos < LOG_INTERVAL_NANOS) {
      return;
    }
    lastPrintNanos = now;
    double seconds = elapsedSeconds();
    double rate = seconds > 0 ? done / seconds : 0;
    String left = rate > 0 && !last ? ", about " + Durations.format((total - done) / rate) + " left" : "";
    String line = String.format(Locale.ROOT, "%s %d/%d %s (%.0f%%), %.2f %s/s%s", label, done, total, unit,
        100.0 * done / Math.max(1, total), rate, unit, left);
    if (interactive) {
      err.print("\r" + line + "\033[K"); // \033[K clears what a longer previous line left behind
      printedInPlace = !last;
      if (last) {
        err.println();
      }
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
