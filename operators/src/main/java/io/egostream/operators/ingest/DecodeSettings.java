package io.egostream.operators.ingest;

import static io.egostream.operators.config.OptionChecks.require;

import io.egostream.operators.query.QueryLimits;
import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

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
 * @param maxIdBytes longest {@code device_id} and {@code session_id} of a batch, in UTF-8 bytes: the device-id limit
 *     of queries ({@link QueryLimits#DEVICE_ID_MAX_BYTES}), one rule for every id of a device
 */
public record DecodeSettings(long maxFutureSkewMs, long maxAgeMs, int maxFramePixels, int maxJpegBytes,
    int maxJpegScans, int maxFramesPerRecord, int maxIdBytes) implements Serializable {

  /**
   * 10 minutes: room for a device clock that is minutes off, and far below the 1 h by which Kafka 4's brokers let a
   * record's timestamp lead their clock ({@code log.message.timestamp.after.max.ms}). Output records are stamped
   * with their clip's event time, so a frame accepted further ahead would make a clip the broker rejects.
   */
  public static final ConfigOption<Long> MAX_FUTURE_SKEW_MS = ConfigOptions.key("frames.max-future-skew.ms")
      .longType().defaultValue(10 * 60 * 1000L)
      .withDescription("How far a capture time may be ahead of the job's clock; keep it well under the broker's "
          + "log.message.timestamp.after.max.ms (1 h), which refuses output records stamped further ahead.");

  /** 7 days: a wearable offline for a long weekend still uploads; a seconds-for-milliseconds error does not pass. */
  public static final ConfigOption<Long> MAX_AGE_MS = ConfigOptions.key("frames.max-age.ms")
      .longType().defaultValue(7 * 24 * 60 * 60 * 1000L)
      .withDescription("How far a capture time may be behind the job's clock.");

  /**
   * 1920 × 1080 (and a 1408 × 1408 Project Aria frame): a decoded frame is 3 bytes a pixel, so a full batch of 8
   * clips of 4 such frames holds ~200 MB of heap while it is embedded (4096² frames would take 1.6 GB). The model
   * sees 224 pixels a side in the end, so larger frames add cost, not accuracy.
   */
  public static final ConfigOption<Integer> MAX_FRAME_PIXELS = ConfigOptions.key("frames.max-pixels")
      .intType().defaultValue(1920 * 1080)
      .withDescription("Largest width × height of a frame, checked before decoding; a batch of clips holds "
          + "3 bytes a pixel of heap per frame while it is embedded.");

  /**
   * 4 MiB: several times a 1080p camera JPEG (typically 0.2 to 1 MB), and small enough that a dead letter holding
   * such a frame fits the 16 MiB record limit.
   */
  public static final ConfigOption<Integer> MAX_JPEG_BYTES = ConfigOptions.key("frames.max-jpeg-bytes")
      .intType().defaultValue(4 * 1024 * 1024)
      .withDescription("Largest JPEG of one frame, in bytes.");

  /**
   * 64: a baseline JPEG has 1 scan per image (or per component), common progressive encoders write about 10
   * (libjpeg's default script) and none that we know of more than a few dozen.
   */
  public static final ConfigOption<Integer> MAX_JPEG_SCANS = ConfigOptions.key("frames.max-jpeg-scans")
      .intType().defaultValue(64)
      .withDescription("Most scans a frame's JPEG may have (each scan of a progressive JPEG is a pass over the "
          + "whole image), checked before decoding.");

  /** 1 000: over 4 minutes of frames at 4 fps, or 30 s at 30 fps, in one upload. */
  public static final ConfigOption<Integer> MAX_FRAMES_PER_RECORD = ConfigOptions.key("frames.max-per-record")
      .intType().defaultValue(1_000)
      .withDescription("Most frames one FrameBatch record may carry.");

  /** The limits {@code conf} sets (the defaults where it sets nothing). */
  public static DecodeSettings from(ReadableConfig conf) {
    return new DecodeSettings(conf.get(MAX_FUTURE_SKEW_MS), conf.get(MAX_AGE_MS), conf.get(MAX_FRAME_PIXELS),
        conf.get(MAX_JPEG_BYTES), conf.get(MAX_JPEG_SCANS), conf.get(MAX_FRAMES_PER_RECORD),
        conf.get(QueryLimits.DEVICE_ID_MAX_BYTES));
  }

  public DecodeSettings {
    require(maxFutureSkewMs >= 0, MAX_FUTURE_SKEW_MS, maxFutureSkewMs,
        "must not be negative (0 accepts no capture time ahead of the job's clock)");
    require(maxAgeMs > 0, MAX_AGE_MS, maxAgeMs, "must be positive (e.g. 604800000 for 7 days)");
    require(maxFramePixels > 0, MAX_FRAME_PIXELS, maxFramePixels, "must be positive (e.g. 2073600 for 1080p)");
    require(maxJpegBytes > 0, MAX_JPEG_BYTES, maxJpegBytes, "must be positive (e.g. 4194304 for 4 MiB)");
    require(maxJpegScans > 0, MAX_JPEG_SCANS, maxJpegScans, "must be at least 1 (1 accepts baseline JPEGs only)");
    require(maxFramesPerRecord > 0, MAX_FRAMES_PER_RECORD, maxFramesPerRecord, "must be at least 1");
    require(maxIdBytes > 0, QueryLimits.DEVICE_ID_MAX_BYTES, maxIdBytes, "must be at least 1");
  }

  /** Whether a capture time is within the accepted distance of the job's wall clock {@code nowMs}. */
  public boolean plausible(long captureTimeMs, long nowMs) {
    return captureTimeMs >= nowMs - maxAgeMs && captureTimeMs <= nowMs + maxFutureSkewMs;
  }
}
