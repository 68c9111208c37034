package io.egostream.cli;

import java.util.Locale;

/** Human-readable lengths of time for progress and summaries. */
final class Durations {

  private Durations() {}

  /** 4.2s, 2m05s, 1h02m03s. */
  static String format(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1fs", seconds);
    }
    long whole = Math.round(seconds);
    long hours = whole / 3600;
    long minutes = whole % 3600 / 60;
    long secs = whole % 60;
    return hours > 0
        ? String.format(Locale.ROOT, "%dh%02dm%02ds", hours, minutes, secs)
        : String.format(Locale.ROOT, "%dm%02ds", minutes, secs);
  }
}
