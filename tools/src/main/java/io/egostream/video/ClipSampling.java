package io.egostream.video;

import java.util.AbstractList;
import java.util.List;

/**
 * How a video is cut into clips: windows of {@code clipSeconds} every {@code strideSeconds} from 0, each sampled
 * with {@code framesPerClip} frames. The last window must fit inside the video; a video shorter than one clip gives
 * a single clip covering all of it.
 */
public record ClipSampling(double clipSeconds, double strideSeconds, int framesPerClip) {

  /** Slack for durations like 10.000000001 s that are meant as exact multiples of the stride. */
  private static final double TIME_EPSILON = 1e-6;

  public ClipSampling {
    if (!Double.isFinite(clipSeconds) || clipSeconds <= 0) {
      throw new IllegalArgumentException(
          "Invalid value " + clipSeconds + " for clip seconds: must be a positive number of seconds (e.g. 4)");
    }
    if (!Double.isFinite(strideSeconds) || strideSeconds <= 0) {
      throw new IllegalArgumentException(
          "Invalid value " + strideSeconds + " for stride seconds: must be a positive number of seconds (e.g. 2)");
    }
    if (framesPerClip < 1) {
      throw new IllegalArgumentException(
          "Invalid value " + framesPerClip + " for frames per clip: must be at least 1 (e.g. 4)");
    }
  }

  /** Number of clips a video of this length gives; at least one. */
  public int windowCount(double videoSeconds) {
    checkDuration(videoSeconds);
    if (videoSeconds <= clipSeconds + TIME_EPSILON) {
      return 1;
    }
    double count = Math.floor((videoSeconds - clipSeconds + TIME_EPSILON) / strideSeconds) + 1;
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Invalid sampling: " + videoSeconds + " s at a stride of " + strideSeconds
          + " s gives more than " + Integer.MAX_VALUE + " clips (raise the stride)");
    }
    return (int) count;
  }

  /** The index-th window of a video of this length. */
  public ClipWindow window(int index, double videoSeconds) {
    int count = windowCount(videoSeconds);
    if (index < 0 || index >= count) {
      throw new IndexOutOfBoundsException("Window " + index + " of a " + videoSeconds + " s video: it has " + count);
    }
    if (videoSeconds <= clipSeconds + TIME_EPSILON) {
      return new ClipWindow(0, Math.min(videoSeconds, clipSeconds));
    }
    double start = toMicroseconds(index * strideSeconds);
    return new ClipWindow(start, toMicroseconds(start + clipSeconds));
  }

  /** 0.30000000000000004 s -> 0.3 s: no container times anything finer, and clean numbers reach the output. */
  private static double toMicroseconds(double seconds) {
    return Math.round(seconds * 1e6) / 1e6;
  }

  /** All windows in start order, computed on access so a multi-hour video costs no memory here. */
  public List<ClipWindow> windows(double videoSeconds) {
    int count = windowCount(videoSeconds);
    return new AbstractList<>() {
      @Override
      public ClipWindow get(int index) {
        return window(index, videoSeconds);
      }

      @Override
      public int size() {
        return count;
      }
    };
  }

  private static void checkDuration(double videoSeconds) {
    if (!Double.isFinite(videoSeconds) || videoSeconds <= 0) {
      throw new IllegalArgumentException(
          "Invalid video duration " + videoSeconds + " s: must be a positive number of seconds");
    }
  }
}
