package io.egostream.operators.ingest;

import java.io.Serializable;

/**
 * What {@link DecodeFrames} accepts beyond the wire contract's rules.
 *
 * @param maxFutureSkewMs how far a capture time may be ahead of the job's wall clock (device clocks drift, but a
 *     frame from tomorrow is a broken clock or a unit error, e.g. microseconds)
 * @param maxAgeMs how far a capture time may be behind the job's wall clock (wearables upload late, but a frame from
 *     1970 is a unit error, e.g. seconds, or an unset clock)
 * @param maxFrameSide largest width or height accepted; checked against the JPEG header before decoding, so a frame
 *     claiming 60000×60000 pixels is rejected instead of exhausting the TaskManager's memory
 */
public record DecodeSettings(long maxFutureSkewMs, long maxAgeMs, int maxFrameSide) implements Serializable {

  private static final long DAY_MS = 24L * 60 * 60 * 1000;

  /** 1 day ahead, 7 days behind, 4096 pixels a side. */
  public static DecodeSettings defaults() {
    return new DecodeSettings(DAY_MS, 7 * DAY_MS, 4096);
  }

  public DecodeSettings {
    require(maxFutureSkewMs >= 0, maxFutureSkewMs, "maxFutureSkewMs", "must not be negative");
    require(maxAgeMs > 0, maxAgeMs, "maxAgeMs", "must be positive");
    require(maxFrameSide > 0, maxFrameSide, "maxFrameSide", "must be positive");
  }

  /** Whether a capture time is within the accepted distance of the job's wall clock {@code nowMs}. */
  public boolean plausible(long captureTimeMs, long nowMs) {
    return captureTimeMs >= nowMs - maxAgeMs && captureTimeMs <= nowMs + maxFutureSkewMs;
  }

  private static void require(boolean ok, long value, String name, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }
}
