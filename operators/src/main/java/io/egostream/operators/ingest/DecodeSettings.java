package io.egostream.operators.ingest;

import java.io.Serializable;

/**
 * What {@link DecodeFrames} accepts beyond the wire contract's rules: each field is a job option, whose key is named
 * here and in every error about it.
 *
 * @param maxFutureSkewMs how far a capture time may be ahead of the job's wall clock (device clocks drift, but a
 *     frame from tomorrow is a broken clock or a unit error, e.g. microseconds)
 * @param maxAgeMs how far a capture time may be behind the job's wall clock (wearables upload late, but a frame from
 *     1970 is a unit error, e.g. seconds, or an unset clock)
 * @param maxFramePixels largest width × height accepted; checked against the JPEG header before decoding, so a frame
 *     claiming 60000×60000 pixels is rejected instead of exhausting the TaskManager's memory
 * @param maxJpegBytes largest JPEG accepted, in bytes
 * @param maxJpegScans most scans a JPEG may have: each scan of a progressive JPEG is a pass over the whole image, so
 *     a small file can ask for thousands of passes (a CPU bomb)
 * @param maxFramesPerRecord most frames one {@code FrameBatch} record may carry
 */
public record DecodeSettings(long maxFutureSkewMs, long maxAgeMs, int maxFramePixels, int maxJpegBytes,
    int maxJpegScans, int maxFramesPerRecord, int maxIdBytes) implements Serializable {

  public static final String MAX_FUTURE_SKEW_KEY = "frames.max-future-skew.ms";
  public static final String MAX_AGE_KEY = "frames.max-age.ms";
  public static final String MAX_FRAME_PIXELS_KEY = "frames.max-pixels";
  public static final String MAX_JPEG_BYTES_KEY = "frames.max-jpeg-bytes";
  public static final String MAX_JPEG_SCANS_KEY = "frames.max-jpeg-scans";
  public static final String MAX_FRAMES_PER_RECORD_KEY = "frames.max-per-record";
  /** The device-id limit of queries ({@code QueryLimits}) bounds a batch's device and session ids too: one id rule. */
  public static final String MAX_ID_BYTES_KEY = "limits.device-id.max-bytes";

  /**
   * 10 minutes: room for a device clock that is minutes off, and far below the 1 h by which Kafka 4's brokers let a
   * record's timestamp lead their clock ({@code log.message.timestamp.after.max.ms}). Output records are stamped
   * with their clip's event time, so a frame accepted further ahead would make a clip the broker rejects.
   */
  public static final long DEFAULT_MAX_FUTURE_SKEW_MS = 10 * 60 * 1000L;
  /** 7 days: a wearable offline for a long weekend still uploads; a seconds-for-milliseconds error does not pass. */
  public static final long DEFAULT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000L;
  /**
   * 1920 × 1080 (and a 1408 × 1408 Project Aria frame): a decoded frame is 3 bytes a pixel, so a full batch of 8
   * clips of 4 such frames holds ~200 MB of heap while it is embedded (4096² frames would take 1.6 GB). The model
   * sees 224 pixels a side in the end, so larger frames add cost, not accuracy.
   */
  public static final int DEFAULT_MAX_FRAME_PIXELS = 1920 * 1080;
  /**
   * 4 MiB: several times a 1080p camera JPEG (typically 0.2 to 1 MB), and small enough that a dead letter holding
   * such a frame fits the 16 MiB record limit.
   */
  public static final int DEFAULT_MAX_JPEG_BYTES = 4 * 1024 * 1024;
  /**
   * 64: a baseline JPEG has 1 scan per image (or per component), common progressive encoders write about 10
   * (libjpeg's default script) and none that we know of more than a few dozen.
   */
  public static final int DEFAULT_MAX_JPEG_SCANS = 64;
  /** 1 000: over 4 minutes of frames at 4 fps, or 30 s at 30 fps, in one upload. */
  public static final int DEFAULT_MAX_FRAMES_PER_RECORD = 1_000;
  /** 128: names like {@code glasses-0042} or UUIDs; every id is kept in the state of several operators. */
  public static final int DEFAULT_MAX_ID_BYTES = 128;

  /** The defaults above. */
  public static DecodeSettings defaults() {
    return new DecodeSettings(DEFAULT_MAX_FUTURE_SKEW_MS, DEFAULT_MAX_AGE_MS, DEFAULT_MAX_FRAME_PIXELS,
        DEFAULT_MAX_JPEG_BYTES, DEFAULT_MAX_JPEG_SCANS, DEFAULT_MAX_FRAMES_PER_RECORD, DEFAULT_MAX_ID_BYTES);
  }

  public DecodeSettings {
    require(maxFutureSkewMs >= 0, maxFutureSkewMs, MAX_FUTURE_SKEW_KEY,
        "must not be negative (0 accepts no capture time ahead of the job's clock)");
    require(maxAgeMs > 0, maxAgeMs, MAX_AGE_KEY, "must be positive (e.g. 604800000 for 7 days)");
    require(maxFramePixels > 0, maxFramePixels, MAX_FRAME_PIXELS_KEY, "must be positive (e.g. 2073600 for 1080p)");
    require(maxJpegBytes > 0, maxJpegBytes, MAX_JPEG_BYTES_KEY, "must be positive (e.g. 4194304 for 4 MiB)");
    require(maxJpegScans > 0, maxJpegScans, MAX_JPEG_SCANS_KEY, "must be at least 1 (1 accepts baseline JPEGs only)");
    require(maxFramesPerRecord > 0, maxFramesPerRecord, MAX_FRAMES_PER_RECORD_KEY, "must be at least 1");
    require(maxIdBytes > 0, maxIdBytes, MAX_ID_BYTES_KEY, "must be at least 1");
  }

  /** Whether a capture time is within the accepted distance of the job's wall clock {@code nowMs}. */
  public boolean plausible(long captureTimeMs, long nowMs) {
    return captureTimeMs >= nowMs - maxAgeMs && captureTimeMs <= nowMs + maxFutureSkewMs;
  }

  private static void require(boolean ok, long value, String key, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + key + ": " + reason);
    }
  }
}
