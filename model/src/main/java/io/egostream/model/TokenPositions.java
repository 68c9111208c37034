package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The original indices of the tokens alive in one stage of the video encoder: per clip, 0 for [CLS] and 1 + the
 * frame-major patch index for each patch. Before any pruning every clip has the same tokens, so a single row stands
 * for the whole batch and the index arrays built from it broadcast. Kept on the Java side: they are bookkeeping,
 * read to build bias indices and reported with each embedding.
 */
final class TokenPositions {
  private final long[][] rows; // (B or 1)[L]
  private final RelativePositions relative;

  private TokenPositions(long[][] rows, RelativePositions relative) {
    this.rows = rows;
    this.relative = relative;
  }

  /** Every patch of the clip, in order, behind [CLS]. */
  static TokenPositions all(int patchTokens, RelativePositions relative) {
    long[] row = new long[patchTokens + 1];
    for (int i = 0; i < row.length; i++) {
      row[i] = i;
    }
    return new TokenPositions(new long[][] {row}, relative);
  }

  /** Rows: the batch size, or 1 while every clip has the same tokens. */
  int rows() {
    return rows.length;
  }

  /** L, [CLS] included. */
  int length() {
    return rows[0].length;
  }

  /** Original index of token {@code i} of clip row {@code row}. */
  long original(int row, int i) {
    return rows[row][i];
  }

  RelativePositions relative() {
    return relative;
  }

  /** Bias table index of query tokens [from, to) against every key: (B or 1, to − from, L). */
  NDArray index(NDManager manager, int from, int to) {
    int length = length();
    long[] out = new long[rows.length * (to - from) * length];
    int at = 0;
    for (long[] row : rows) {
      for (int q = from; q < to; q++) {
        for (int k = 0; k < length; k++) {
          out[at++] = relative.index(row[q], row[k]);
        }
      }
    }
    return HostArrays.of(manager, out, new Shape(rows.length, to - from, length));
  }

  /**
   * The positions after keeping, for each clip, the patches at {@code kept} (B, k), indices into this stage's patches.
   */
  TokenPositions keep(NDArray kept) {
    int batch = Math.toIntExact(kept.getShape().get(0));
    int k = Math.toIntExact(kept.getShape().get(1));
    long[] flat = kept.toLongArray();
    long[][] next = new long[batch][k + 1];
    for (int b = 0; b < batch; b++) {
      long[] source = rows[rows.length == 1 ? 0 : b];
      for (int i = 0; i < k; i++) {
        next[b][i + 1] = source[1 + (int) flat[b * k + i]];
      }
    }
    return new TokenPositions(next, relative);
  }

  /** Per clip, the original patch indices (0-based, [CLS] excluded) alive in this stage. */
  int[][] patchIndices(int batch) {
    int[][] out = new int[batch][length() - 1];
    for (int b = 0; b < batch; b++) {
      long[] row = rows[rows.length == 1 ? 0 : b];
      for (int i = 1; i < row.length; i++) {
        out[b][i - 1] = Math.toIntExact(row[i] - 1);
      }
    }
    return out;
  }
}
