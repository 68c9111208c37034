package io.egostream.operators.config;

import org.apache.flink.configuration.ConfigOption;

/**
 * The one check of an option's value, so that every error has the same shape and names the option's key:
 * "Invalid value V for KEY: reason (how to fix)".
 */
public final class OptionChecks {

  private OptionChecks() {}

  /** Throws {@link #invalid} unless {@code ok}. */
  public static void require(boolean ok, ConfigOption<?> option, Object value, String reason) {
    if (!ok) {
      throw invalid(option, value, reason);
    }
  }

  /** "Invalid value V for KEY: reason", for a value the caller found wrong. */
  public static IllegalArgumentException invalid(ConfigOption<?> option, Object value, String reason) {
    return new IllegalArgumentException("Invalid value " + value + " for " + option.key() + ": " + reason);
  }
}
