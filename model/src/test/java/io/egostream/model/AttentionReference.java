package io.egostream.model;

/**
 * Attention computed the slow, obvious way in plain Java loops, independent of the engine code under test: for each
 * query, softmax over its allowed keys of q·k + bias, where the bias comes from the 3D relative offset of the
 * tokens' original positions, worked out here from (t, y, x) coordinates.
 */
final class AttentionReference {
  private final int frames;
  private final int grid;
  private final float[] table; // (rows, H) row-major
  private final int heads;

  AttentionReference(int frames, int grid, float[] table, int heads) {
    this.frames = frames;
    this.grid = grid;
    this.table = table;
    this.heads = heads;
  }

  /** Table row for query token {@code oq} and key token {@code ok} (original indices, 0 = [CLS]). */
  long tableRow(long oq, long ok) {
    long span = 2L * grid - 1;
    long patchPairs = (2L * frames - 1) * span * span;
    if (oq == 0 && ok == 0) {
      return patchPairs + 2;
    }
    if (oq == 0) {
      return patchPairs;
    }
    if (ok == 0) {
      return patchPairs + 1;
    }
    long pq = oq - 1;
    long pk = ok - 1;
    long perFrame = (long) grid * grid;
    long dt = pq / perFrame - pk / perFrame;
    long dy = (pq % perFrame) / grid - (pk % perFrame) / grid;
    long dx = pq % grid - pk % grid;
    return (dt + frames - 1) * span * span + (dy + grid - 1) * span + (dx + grid - 1);
  }

  float bias(long oq, long ok, int head) {
    return table[(int) (tableRow(oq, ok) * heads + head)];
  }

  /**
   * @param q queries [L][d] (already scaled)
   * @param k keys [L][d]
   * @param v values [L][d]
   * @param original original index of each token
   * @param allowed allowed[i][j]: query i may see key j
   * @param extraZeroKeys per query, how many zero key/value vectors with [CLS]'s original index it also sees
   *     (the released code's unmasked block padding)
   * @return outputs [L][d] followed by the [CLS] row's probabilities as row L (length L)
   */
  float[][] attend(float[][] q, float[][] k, float[][] v, long[] original, boolean[][] allowed, int[] extraZeroKeys,
      int head) {
    int length = q.length;
    int dim = q[0].length;
    float[][] out = new float[length + 1][];
    for (int i = 0; i < length; i++) {
      double[] logits = new double[length];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < length; j++) {
        if (!allowed[i][j]) {
          continue;
        }
        double dot = 0;
        for (int c = 0; c < dim; c++) {
          dot += q[i][c] * k[j][c];
        }
        logits[j] = dot + bias(original[i], original[j], head);
        max = Math.max(max, logits[j]);
      }
      double padLogit = bias(original[i], 0, head);
      if (extraZeroKeys[i] > 0) {
        max = Math.max(max, padLogit);
      }
      double sum = extraZeroKeys[i] * Math.exp(padLogit - max);
      double[] weights = new double[length];
      for (int j = 0; j < length; j++) {
        if (allowed[i][j]) {
          weights[j] = Math.exp(logits[j] - max);
          sum += weights[j];
        }
      }
      float[] row = new float[dim];
      float[] probs = new float[length];
      for (int j = 0; j < length; j++) {
        probs[j] = (float) (weights[j] / sum);
        for (int c = 0; c < dim; c++) {
          row[c] += (float) (weights[j] / sum * v[j][c]);
        }
      }
      out[i] = row;
      if (i == 0) {
        out[length] = probs;
      }
    }
    return out;
  }
}
