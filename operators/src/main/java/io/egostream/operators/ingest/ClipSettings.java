package io.egostream.operators.ingest;

import static io.egostream.operators.config.OptionChecks.require;

import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How {@link ClipBuilder} cuts one device's frames into clips, judged by that device's own clock. Windows are aligned
 * to the epoch: {@code [k·strideMs, k·strideMs + clipMs)} in event time, the same grid on every device and after every
 * restart.
 *
 * @param clipMs length of a clip window
 * @param strideMs time between window starts; below {@code clipMs} windows overlap, above it the frames between two
 *     windows are in no clip
 * @param framesPerClip frames in every clip: must equal the model's frame count
 * @param minFramesPerClip distinct frames a window needs to become a clip; below {@code framesPerClip}, some frames
 *     of a sparse window are repeated to fill the clip
 * @param frameRetentionMs how long a frame stays buffered behind its device's event time, so that later exact-range
 *     clip requests can still be served; at least {@code clipMs}, or a window would lose frames before it fires. Also
 *     how long (wall clock) a silent device's state is kept at all
 * @param outOfOrdernessMs how far behind its device's newest frame a frame may arrive and still be used: a device's
 *     event time is its newest capture time minus this, minus 1 ms
 * @param idleTimeoutMs wall-clock time after a device's last frame at which its last windows are built anyway
 * @param maxClockJumpMs how far a frame may be ahead of both its device's newest frame and the job's clock; further
 *     is a broken device clock, refused rather than allowed to move the device's event time
 * @param maxBufferedFrames frames buffered per device at most
 * @param maxBufferedBytes JPEG bytes buffered per device at most
 */
public record ClipSettings(long clipMs, long strideMs, int framesPerClip, int minFramesPerClip,
    long frameRetentionMs, long outOfOrdernessMs, long idleTimeoutMs, long maxClockJumpMs, int maxBufferedFrames,
    long maxBufferedBytes) implements Serializable {

  public static final ConfigOption<Long> LENGTH_MS = ConfigOptions.key("clip.length.ms")
      .longType().defaultValue(4_000L).withDescription("Length of a clip in event time.");

  public static final ConfigOption<Long> STRIDE_MS = ConfigOptions.key("clip.stride.ms")
      .longType().defaultValue(2_000L).withDescription("Time between the starts of consecutive clips of a device.");

  public static final ConfigOption<Integer> MIN_FRAMES = ConfigOptions.key("clip.min-frames")
      .intType().defaultValue(0)
      .withDescription("Distinct frames a clip window needs to be embedded, from 1 to the model's frame count; fewer "
          + "than that are repeated to fill the clip (wearables with a low frame rate); 0 = the model's frame count.");

  public static final ConfigOption<Long> FRAME_RETENTION_MS = ConfigOptions.key("frames.retention.ms")
      .longType().defaultValue(120_000L)
      .withDescription("How long a device's frames stay buffered after capture, for clips of exact ranges.");

  public static final ConfigOption<Long> OUT_OF_ORDERNESS_MS = ConfigOptions.key("watermark.out-of-orderness.ms")
      .longType().defaultValue(2_000L)
      .withDescription("How far behind its device's newest frame a frame may arrive and still be used (each device "
          + "has its own event time); also the bound of the job-wide watermark that ages the clip stores.");

  public static final ConfigOption<Long> IDLENESS_MS = ConfigOptions.key("watermark.idleness.ms")
      .longType().defaultValue(5_000L)
      .withDescription("Wall-clock time after a device's last frame at which its last clips are built; also how "
          + "long a silent partition or query input takes to stop holding back the job-wide watermark.");

  /** 10 minutes: a device clock minutes off still works; one that jumped hours cannot drag its event time along. */
  public static final ConfigOption<Long> MAX_CLOCK_JUMP_MS = ConfigOptions.key("frames.max-clock-jump.ms")
      .longType().defaultValue(600_000L)
      .withDescription("How far a frame may be ahead of both its device's newest frame and the job's clock; a frame "
          + "further ahead (a device clock that jumped) is dead-lettered instead of moving the device's event time.");

  public static final ConfigOption<Integer> MAX_BUFFERED_FRAMES = ConfigOptions.key("frames.max-buffered-per-device")
      .intType().defaultValue(4_000)
      .withDescription("Frames buffered per device at most (30 fps over the default retention, with margin); "
          + "frames beyond are dead-lettered.");

  public static final ConfigOption<Long> MAX_BUFFERED_BYTES =
      ConfigOptions.key("frames.max-buffered-bytes-per-device")
          .longType().defaultValue(256L << 20)
          .withDescription("JPEG bytes buffered per device at most (256 MiB: 4000 VGA frames of ~64 KB); frames "
              + "beyond are dead-lettered.");

  /**
   * The clips {@code conf} asks for, of {@code framesPerClip} frames (the model's frame count); a
   * {@link #MIN_FRAMES} of 0 means that count.
   */
  public static ClipSettings from(ReadableConfig conf, int framesPerClip) {
    int minFrames = conf.get(MIN_FRAMES) == 0 ? framesPerClip : conf.get(MIN_FRAMES);
    return new ClipSettings(conf.get(LENGTH_MS), conf.get(STRIDE_MS), framesPerClip, minFrames,
        conf.get(FRAME_RETENTION_MS), conf.get(OUT_OF_ORDERNESS_MS), conf.get(IDLENESS_MS),
        conf.get(MAX_CLOCK_JUMP_MS), conf.get(MAX_BUFFERED_FRAMES), conf.get(MAX_BUFFERED_BYTES));
  }

  /** The given windows and retention, with the options' defaults for the event-time rules and limits. */
  public ClipSettings(long clipMs, long strideMs, int framesPerClip, int minFramesPerClip, long frameRetentionMs) {
    this(clipMs, strideMs, framesPerClip, minFramesPerClip, frameRetentionMs, OUT_OF_ORDERNESS_MS.defaultValue(),
        IDLENESS_MS.defaultValue(), MAX_CLOCK_JUMP_MS.defaultValue(), MAX_BUFFERED_FRAMES.defaultValue(),
        MAX_BUFFERED_BYTES.defaultValue());
  }

  public ClipSettings {
    require(clipMs > 0, LENGTH_MS, clipMs, "must be positive");
    require(strideMs > 0, STRIDE_MS, strideMs, "must be positive");
    if (framesPerClip <= 0) {
      throw new IllegalArgumentException("Invalid value " + framesPerClip + " for the model's frame count: must be "
          + "positive (frames in config.json)");
    }
    require(minFramesPerClip > 0 && minFramesPerClip <= framesPerClip, MIN_FRAMES, minFramesPerClip,
        "must be between 1 and the model's frame count (" + framesPerClip + "), or 0 for the model's frame count");
    // Capture times are distinct milliseconds, so a window can never hold more than clipMs frames.
    require(minFramesPerClip <= clipMs, MIN_FRAMES, minFramesPerClip, "a " + clipMs + " ms window holds at most "
        + clipMs + " distinct capture times (lower it or raise " + LENGTH_MS.key() + ")");
    require(frameRetentionMs >= clipMs, FRAME_RETENTION_MS, frameRetentionMs, "must be at least " + LENGTH_MS.key()
        + " (" + clipMs + "), or frames would be evicted before their windows fire");
    require(outOfOrdernessMs >= 0 && outOfOrdernessMs < frameRetentionMs, OUT_OF_ORDERNESS_MS, outOfOrdernessMs,
        "must be at least 0 and below " + FRAME_RETENTION_MS.key() + " (" + frameRetentionMs + ")");
    require(idleTimeoutMs > 0, IDLENESS_MS, idleTimeoutMs, "must be positive");
    require(maxClockJumpMs > 0, MAX_CLOCK_JUMP_MS, maxClockJumpMs, "must be positive");
    require(maxBufferedFrames >= framesPerClip, MAX_BUFFERED_FRAMES, maxBufferedFrames,
        "must be at least the model's frame count (" + framesPerClip + "), or no clip could ever be built");
    require(maxBufferedBytes > 0, MAX_BUFFERED_BYTES, maxBufferedBytes, "must be positive");
  }
}
