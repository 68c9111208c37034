package io.egostream.model.train;

/**
 * A fixed, indexable set of training samples. The trainer asks for a clip's frames at the current curriculum
 * stage's frame count, so one data set serves every stage.
 *
 * <p>The trainer shuffles samples one by one; EgoVLP's scene-aware negatives (a second clip from the same video,
 * close in time, in the same batch) are not drawn yet.
 */
public interface TrainingData {
  /** Number of samples. */
  int size();

  /** Sample {@code index} (0 ≤ index &lt; size) with exactly {@code frames} frames sampled uniformly from its clip. */
  TrainingSample sample(int index, int frames);
}
