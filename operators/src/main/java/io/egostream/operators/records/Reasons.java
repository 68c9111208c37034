package io.egostream.operators.records;

/** Helpers for the reasons of dead letters and ERROR answers, which are for people and stay short. */
public final class Reasons {
  /** Most characters of input a reason quotes: enough to recognise it, whatever the record holds. */
  public static final int MAX_QUOTED_CHARS = 64;

  private Reasons() {}

  /** {@code s} in double quotes, cut to {@value #MAX_QUOTED_CHARS} code points with "…" when longer. */
  public static String quote(String s) {
    if (s.codePointCount(0, s.length()) <= MAX_QUOTED_CHARS) {
      return "\"" + s + "\"";
    }
    return "\"" + s.substring(0, s.offsetByCodePoints(0, MAX_QUOTED_CHARS)) + "…\"";
  }
}
