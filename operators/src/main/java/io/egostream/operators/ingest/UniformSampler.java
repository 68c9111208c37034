package io.egostream.operators.ingest;

/**
 * Picks the frames of a clip: n frames spread uniformly over a time range, as EgoMCQ samples its clips. Frame i is
 * wanted at {@code start + (i + ½)·(end − start)/n}; the answer is the buffered frames closest to those times.
 *
 * <p>Pure and stateless: window clips and exact-range clip requests (MCQ choices) both sample with it.
 */
public final class UniformSampler {
  private UniformSampler() {}

  /**
   * Samples {@code n} capture times out of {@code times}.
   *
   * <ul>
   *   <li>With at least n frames, the n chosen frames are distinct and in time order, and each is the frame nearest
   *       its wanted time (ties go to the earlier frame). When two wanted times share a nearest frame, the choice is
   *       the distinct, in-order set with the least total distance to the wanted times.
   *   <li>With fewer than n frames, each wanted time takes its nearest frame, so some frames repeat (in time order):
   *       the model needs exactly n frames.
   * </ul>
   *
   * @param times capture times, strictly increasing, each in {@code [startMs, endMs)}
   * @return n capture times taken from {@code times}, non-decreasing
   * @throws IllegalArgumentException if {@code times} is empty, unsorted, outside the range, or n is not positive
   */
  public static long[] sample(long[] times, long startMs, long endMs, int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("Invalid value " + n + " for n: must be positive");
    }
    if (endMs <= startMs) {
      throw new IllegalArgumentException("Invalid range [" + startMs + ", " + endMs + "): must not be empty");
    }
    if (times.length == 0) {
      throw new IllegalArgumentException("No frames in [" + startMs + ", " + endMs + ") to sample from");
    }
    for (int j = 0; j < times.length; j++) {
      if (times[j] < startMs || times[j] >= endMs || (j > 0 && times[j] <= times[j - 1])) {
        throw new IllegalArgumentException("Invalid capture times: must be strictly increasing and inside ["
            + startMs + ", " + endMs + "), got " + times[j] + " at index " + j);
      }
    }
    // Integer arithmetic, scaled by 2n so that the wanted times (start + (2i+1)·length/2n) are exact and ties are
    // real ties: position of frame j = 2n·(t_j − start), wanted position of frame i = (2i+1)·length.
    long length = endMs - startMs;
    long[] position = new long[times.length];
    for (int j = 0; j < times.length; j++) {
      position[j] = Math.multiplyExact(2L * n, times[j] - startMs);
    }
    long[] wanted = new long[n];
    for (int i = 0; i < n; i++) {
      wanted[i] = Math.multiplyExact(2L * i + 1, length);
    }
    int[] chosen = times.length >= n ? distinctNearest(position, wanted) : nearest(position, wanted);
    long[] sampled = new long[n];
    for (int i = 0; i < n; i++) {
      sampled[i] = times[chosen[i]];
    }
    return sampled;
  }

  /** Per wanted position, the index of the nearest position (earlier on ties). Non-decreasing, may repeat. */
  private static int[] nearest(long[] position, long[] wanted) {
    int[] chosen = new int[wanted.length];
    int j = 0;
    for (int i = 0; i < wanted.length; i++) {
      // Wanted positions increase, so the nearest index never moves back.
      while (j + 1 < position.length
          && Math.abs(position[j + 1] - wanted[i]) < Math.abs(position[j] - wanted[i])) {
        j++;
      }
      chosen[i] = j;
    }
    return chosen;
  }

  /**
   * Strictly increasing indices j_0 < … < j_{n−1} minimising Σ |position[j_i] − wanted[i]|, by dynamic
   * programming over (wanted frame i, position j), O(n·m). When the nearest frames are already distinct, this is
   * exactly them.
   */
  private static int[] distinctNearest(long[] position, long[] wanted) {
    int n = wanted.length;
    int m = position.length;
    // cost[i][j]: least total distance for wanted frames 0..i with frame i at position j (j in [i, m − n + i]);
    // from[i][j]: the position of frame i − 1 on that best path.
    long[][] cost = new long[n][m];
    int[][] from = new int[n][m];
    for (int j = 0; j <= m - n; j++) {
      cost[0][j] = Math.abs(position[j] - wanted[0]);
    }
    for (int i = 1; i < n; i++) {
      long bestBefore = Long.MAX_VALUE;
      int bestIndex = -1;
      for (int j = i; j <= m - n + i; j++) {
        // Best predecessor among positions i − 1 .. j − 1; strict < keeps the earliest on ties.
        if (cost[i - 1][j - 1] < bestBefore) {
          bestBefore = cost[i - 1][j - 1];
          bestIndex = j - 1;
        }
        cost[i][j] = bestBefore + Math.abs(position[j] - wanted[i]);
        from[i][j] = bestIndex;
      }
    }
    int last = n - 1;
    for (int j = n; j <= m - 1; j++) {
      if (cost[n - 1][j] < cost[n - 1][last]) {
        last = j;
      }
    }
    int[] chosen = new int[n];
    chosen[n - 1] = last;
    for (int i = n - 1; i > 0; i--) {
      chosen[i - 1] = from[i][chosen[i]];
    }
    return chosen;
  }
}
