package io.egostream.operators.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How much of its input an output record may echo. Dead letters and answers repeat what a producer sent (a key, a
 * value, a query id), and a producer can send up to the topics' record limit, so echoing everything could make a
 * record the sink refuses ({@code RecordTooLargeException}, which fails the task on every retry). The serializers cut
 * the echo instead, only when the whole would not fit, and flag the record {@code truncated}.
 */
public final class OutputBounds {
  /**
   * Room kept for what Kafka adds around a record's key and value when checking it against
   * {@code max.request.size}: 82 bytes of batch and record headers today, headers none; 1 KiB is a wide margin.
   */
  public static final int KAFKA_OVERHEAD_BYTES = 1024;
  /** Longest reason written (UTF-8 bytes): reasons are for people, and quote input only in short excerpts. */
  public static final int MAX_REASON_BYTES = 4096;
  /** Longest key or query id kept when a record has to be cut: enough to recognise it, small next to the limit. */
  public static final int MAX_CUT_KEY_BYTES = 1024;
  /** Smallest record limit a serializer accepts: a cut record needs room for its reason, key and headers. */
  public static final int MIN_RECORD_BYTES = 16 * 1024;

  private OutputBounds() {}

  /**
   * Bytes of key plus value a record may have to pass a sink whose {@code max.request.size} is
   * {@code maxRecordBytes}.
   */
  public static int budget(int maxRecordBytes) {
    if (maxRecordBytes < MIN_RECORD_BYTES) {
      throw new IllegalArgumentException("Invalid value " + maxRecordBytes + " for max.request.size: must be at least "
          + MIN_RECORD_BYTES + " bytes (room for a cut record's reason, key and Kafka's headers)");
    }
    return maxRecordBytes - KAFKA_OVERHEAD_BYTES;
  }

  /** {@code s} if its UTF-8 form has at most {@code maxBytes} bytes, else its longest prefix that does with "…". */
  public static String utf8Prefix(String s, int maxBytes) {
    if (s.length() <= maxBytes / 3) {
      return s; // at most 3 bytes per UTF-16 char: short enough without encoding
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= maxBytes) {
      return s;
    }
    int cut = maxBytes - 3; // "…" is 3 bytes
    while (cut > 0 && (utf8[cut] & 0xC0) == 0x80) {
      cut--; // never split a character: back up to the start of the one the cut falls in
    }
    return new String(utf8, 0, cut, StandardCharsets.UTF_8) + "…";
  }

  /** {@code bytes} if at most {@code maxBytes} long, else its first {@code maxBytes}; null stays null. */
  static byte[] prefix(byte[] bytes, int maxBytes) {
    return bytes == null || bytes.length <= maxBytes ? bytes : Arrays.copyOf(bytes, maxBytes);
  }
}
