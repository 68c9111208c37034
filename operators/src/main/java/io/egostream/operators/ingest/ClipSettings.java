package io.egostream.operators.ingest;

import java.io.Serializable;

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

  /** The job's option keys for the limits, named in the reasons of refused frames (declared in the jobs module). */
  public static final String OUT_OF_ORDERNESS_KEY = "watermark.out-of-orderness.ms";
  public static final String MAX_CLOCK_JUMP_KEY = "frames.max-clock-jump.ms";
  public static final String MAX_BUFFERED_FRAMES_KEY = "frames.max-buffered-per-device";
  public static final String MAX_BUFFERED_BYTES_KEY = "frames.max-buffered-bytes-per-device";

  /**
   * 4 s clips every 2 s, 4 frames each (SViTT-Ego's EgoMCQ setting); frames kept 2 minutes for range requests; 2 s
   * out of order; a device idle after 5 s; clock jumps up to 10 minutes; at most 4000 frames (30 fps over the
   * retention, with margin) and 256 MiB (4000 VGA JPEGs of ~64 KB) buffered per device.
   */
  public static ClipSettings defaults() {
    return new ClipSettings(4_000, 2_000, 4, 4, 120_000);
  }

  /** The given windows and retention, with the defaults' event-time rules and limits. */
  public ClipSettings(long clipMs, long strideMs, int framesPerClip, int minFramesPerClip, long frameRetentionMs) {
    this(clipMs, strideMs, framesPerClip, minFramesPerClip, frameRetentionMs, 2_000, 5_000, 600_000, 4_000,
        256L << 20);
  }

  public ClipSettings {
    require(clipMs > 0, clipMs, "clip.length.ms", "must be positive");
    require(strideMs > 0, strideMs, "clip.stride.ms", "must be positive");
    require(framesPerClip > 0, framesPerClip, "the model's frame count", "must be positive (frames in config.json)");
    require(minFramesPerClip > 0 && minFramesPerClip <= framesPerClip, minFramesPerClip, "clip.min-frames",
        "must be between 1 and the model's frame count (" + framesPerClip + "), or 0 for the model's frame count");
    // Capture times are distinct milliseconds, so a window can never hold more than clipMs frames.
    require(minFramesPerClip <= clipMs, minFramesPerClip, "clip.min-frames", "a " + clipMs + " ms window holds at "
        + "most " + clipMs + " distinct capture times (lower it or raise clip.length.ms)");
    require(frameRetentionMs >= clipMs, frameRetentionMs, "frames.retention.ms",
        "must be at least clip.length.ms (" + clipMs + "), or frames would be evicted before their windows fire");
    require(outOfOrdernessMs >= 0 && outOfOrdernessMs < frameRetentionMs, outOfOrdernessMs, OUT_OF_ORDERNESS_KEY,
        "must be between 0 and frames.retention.ms (" + frameRetentionMs + ") - 1");
    require(idleTimeoutMs > 0, idleTimeoutMs, "watermark.idleness.ms", "must be positive");
    require(maxClockJumpMs > 0, maxClockJumpMs, MAX_CLOCK_JUMP_KEY, "must be positive");
    require(maxBufferedFrames >= framesPerClip, maxBufferedFrames, MAX_BUFFERED_FRAMES_KEY,
        "must be at least the model's frame count (" + framesPerClip + "), or no clip could ever be built");
    require(maxBufferedBytes > 0, maxBufferedBytes, MAX_BUFFERED_BYTES_KEY, "must be positive");
  }

  private static void require(boolean ok, long value, String name, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }
}
