package io.egostream.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Human-readable lengths of time: for progress and summaries, and in options. */
final class Durations {

  private Durations() {}

  /**
   * Parses an option value such as {@code 90s}, {@code 2m}, {@code 1h} or {@code 500ms}; a plain number is seconds.
   *
   * @throws IllegalArgumentException naming {@code option} when the value is not a positive duration
   */
  static Duration parse(String value, String option) {
    Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      double amount = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      double millis = amount * switch (unit) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m" -> 60_000;
        default -> 3_600_000;
      };
      if (millis >= 1) {
        return Duration.ofMillis(Math.round(millis));
      }
    }
    throw new IllegalArgumentException("Invalid value " + value + " for option '" + option + "': use a positive "
        + "duration such as 90s, 2m, 1h or 500ms");
  }

  /** {@link #parse} for a command's option: a bad value is a usage error (exit 2). */
  static Duration option(picocli.CommandLine.Model.CommandSpec spec, String value, String option) {
    try {
      return parse(value, option);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

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
