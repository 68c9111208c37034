package io.egostream.model.train;

import io.egostream.model.Permutations;
import java.util.SplittableRandom;

/**
 * Which samples make up the batch of each step: each epoch is a fresh permutation of the data, drawn from the seed
 * and the epoch number, cut into whole batches of anchors (the remainder is dropped, as {@code drop_last=True}).
 * With scene-aware negatives, half of a batch are anchors and each anchor brings one of its
 * {@link TrainingData#neighbours neighbours} (a clip of the same video, close in time), drawn from (seed, step). A
 * batch is a pure function of (seed, step), so a resumed run sees exactly the batches the interrupted one would have.
 */
final class DataOrder {
  private final TrainingData data;
  private final int batchSize;
  private final int anchors;
  private final long seed;
  private int epoch = -1;
  private int[] permutation;

  DataOrder(TrainingData data, int batchSize, boolean sceneNegatives, long seed) {
    this.anchors = sceneNegatives ? batchSize / 2 : batchSize;
    if (data.size() < anchors) {
      throw new IllegalArgumentException("Invalid value " + batchSize + " for batchSize: the data has only "
          + data.size() + " samples and a batch needs " + anchors + " (lower the batch size or add samples)");
    }
    this.data = data;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /**
   * Sample indices of step {@code step} (0-based). With scene-aware negatives, anchors sit at even positions and
   * each one's neighbour right after it; a sample whose video has no other clip brings a random sample instead.
   */
  int[] batch(int step) {
    int perEpoch = data.size() / anchors;
    int wanted = step / perEpoch;
    if (wanted != epoch) {
      epoch = wanted;
      permutation = Permutations.shuffled(data.size(), new SplittableRandom(mix(seed, epoch)));
    }
    int first = (step % perEpoch) * anchors;
    if (anchors == batchSize) {
      int[] out = new int[batchSize];
      System.arraycopy(permutation, first, out, 0, batchSize);
      return out;
    }
    SplittableRandom random = new SplittableRandom(mix(~seed, step));
    int[] out = new int[batchSize];
    for (int a = 0; a < anchors; a++) {
      int anchor = permutation[first + a];
      int[] near = data.neighbours(anchor);
      out[2 * a] = anchor;
      out[2 * a + 1] = near.length > 0 ? near[random.nextInt(near.length)] : random.nextInt(data.size());
    }
    return out;
  }

  private static long mix(long seed, long n) {
    return seed ^ (0x9E3779B97F4A7C15L * (n + 1L));
  }
}
