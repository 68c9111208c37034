package io.egostream.video;

/**
 * A time range of a video that becomes one clip.
 *
 * @param startSeconds inclusive start, seconds from the first video frame
 * @param endSeconds exclusive end, seconds from the first video frame
 */
public record ClipWindow(double startSeconds, double endSeconds) {

  public ClipWindow {
    if (!Double.isFinite(startSeconds) || startSeconds < 0) {
      throw new IllegalArgumentException(
          "Invalid clip start " + startSeconds + " s: must be a finite number of seconds >= 0");
    }
    if (!Double.isFinite(endSeconds) || endSeconds <= startSeconds) {
      throw new IllegalArgumentException("Invalid clip range [" + startSeconds + ", " + endSeconds
          + "] s: the end must be finite and after the start");
    }
  }

  public double lengthSeconds() {
    return endSeconds - startSeconds;
  }

  /**
   * Time of frame {@code index} when {@code frameCount} frames are sampled uniformly: the centre of the index-th of
   * frameCount equal slices, as in EgoMCQ evaluation (never the window edges, which belong to the neighbours).
   */
  public double frameTime(int index, int frameCount) {
    if (frameCount < 1 || index < 0 || index >= frameCount) {
      throw new IllegalArgumentException("Invalid frame " + index + " of " + frameCount
          + ": need 0 <= index < frameCount and frameCount >= 1");
    }
    return startSeconds + (index + 0.5) * lengthSeconds() / frameCount;
  }
}
