package io.egostream.model.train;

/**
 * One stage of the temporal sparse expansion curriculum: from step {@code fromStep} (0-based) on, clips have
 * {@code frames} frames and the video encoder keeps {@code keepRate} (q_v) of its tokens at each pruning layer.
 */
public record CurriculumStage(int fromStep, int frames, float keepRate) {

  public CurriculumStage {
    if (fromStep < 0 || frames < 1 || !(keepRate > 0 && keepRate <= 1)) {
      throw new IllegalArgumentException("Invalid curriculum stage (from step " + fromStep + ", " + frames
          + " frames, keep rate " + keepRate + "): need fromStep >= 0, frames >= 1, 0 < keepRate <= 1");
    }
  }
}
