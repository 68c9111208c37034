package io.egostream.model.train;

import java.util.SplittableRandom;

/**
 * Which samples make up the batch of each step: each epoch is a fresh permutation of the data, drawn from the seed
 * and the epoch number, cut into whole batches (the remainder is dropped, as {@code drop_last=True}). A batch is a
 * pure function of (seed, step), so a resumed run sees exactly the batches the interrupted one would have.
 */
final class DataOrder {
  private final int size;
  private final int batchSize;
  private final long seed;
  private int epoch = -1;
  private int[] permutation;

  DataOrder(int size, int batchSize, long seed) {
    if (size < batchSize) {
      throw new IllegalArgumentException("Invalid value " + batchSize + " for batchSize: the data has only " + size
          + " samples (lower the batch size or add samples)");
    }
    this.size = size;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** Sample indices of step {@code step} (0-based). */
  int[] batch(int step) {
    int perEpoch = size / batchSize;
    int wanted = step / perEpoch;
    if (wanted != epoch) {
      epoch = wanted;
      permutation = shuffled(size, seed ^ (0x9E3779B97F4A7C15L * (epoch + 1L)));
    }
    int[] out = new int[batchSize];
    System.arraycopy(permutation, (step % perEpoch) * batchSize, out, 0, batchSize);
    return out;
  }

  /** Fisher-Yates. */
  private static int[] shuffled(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
