package io.egostream.model.train;

/**
 * A fixed, indexable set of training samples. The trainer asks for a clip's frames at the current curriculum
 * stage's frame count, so one data set serves every stage.
 */
public interface TrainingData {
  /** Number of samples. */
  int size();

  /** Sample {@code index} (0 ≤ index &lt; size) with exactly {@code frames} frames sampled uniformly from its clip. */
  TrainingSample sample(int index, int frames);

  /**
   * Samples from the same video as {@code index} and close to it in time, for EgoVLP's scene-aware negatives: the
   * same scene, another action, so the batch forces the model to tell actions apart rather than scenes. Empty if
   * the video has no other sample.
   */
  int[] neighbours(int index);
}
