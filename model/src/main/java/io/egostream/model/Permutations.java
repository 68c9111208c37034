package io.egostream.model;

import java.util.SplittableRandom;

/** Seeded random orders, the same on every machine for the same seed. */
public final class Permutations {

  private Permutations() {}

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates) drawn from {@code random}. */
  public static int[] shuffled(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
