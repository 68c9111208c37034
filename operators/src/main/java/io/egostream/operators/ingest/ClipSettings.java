package io.egostream.operators.ingest;

import java.io.Serializable;

/**
 * How {@link ClipBuilder} cuts one device's frames into clips. Windows are aligned to the epoch:
 * {@code [k·strideMs, k·strideMs + clipMs)} in event time, the same grid on every device and after every restart.
 *
 * @param clipMs length of a clip window
 * @param strideMs time between window starts; below {@code clipMs} windows overlap, above it the frames between two
 *     windows are in no clip
 * @param framesPerClip frames in every clip: must equal the model's frame count
 * @param minFramesPerClip distinct frames a window needs to become a clip; below {@code framesPerClip}, some frames
 *     of a sparse window are repeated to fill the clip
 * @param frameRetentionMs how long a frame stays buffered after its capture time (in event time), so that later
 *     exact-range clip requests can still be served; at least {@code clipMs}, or a window would lose frames before
 *     it fires
 */
public record ClipSettings(long clipMs, long strideMs, int framesPerClip, int minFramesPerClip,
    long frameRetentionMs) implements Serializable {

  /** 4 s clips every 2 s, 4 frames each (SViTT-Ego's EgoMCQ setting); frames kept 2 minutes for range requests. */
  public static ClipSettings defaults() {
    return new ClipSettings(4_000, 2_000, 4, 4, 120_000);
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
  }

  private static void require(boolean ok, long value, String name, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }
}
