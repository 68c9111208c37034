package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The original indices of the tokens alive in one stage of the video encoder: (B, L) int64, 0 for [CLS] and 1 + the
 * frame-major patch index otherwise. Before any pruning every clip has the same tokens, so a single row stands for
 * the whole batch and broadcasts.
 */
final class TokenPositions {
  private final NDArray original; // (B or 1, L)
  private final RelativePositions relative;
  private NDArray denseIndex; // (B or 1, L, L), shared by every layer of the stage

  private TokenPositions(NDArray original, RelativePositions relative) {
    this.original = original;
    this.relative = relative;
  }

  /** Every patch of the clip, in order, behind [CLS]. */
  static TokenPositions all(NDManager manager, int patchTokens, RelativePositions relative) {
    return new TokenPositions(manager.arange(0L, patchTokens + 1L, 1L, DataType.INT64).reshape(1, -1), relative);
  }

  /** (B or 1, L) int64. */
  NDArray original() {
    return original;
  }

  RelativePositions relative() {
    return relative;
  }

  /** Bias table index for every (query, key) pair of the stage: (B or 1, L, L). */
  NDArray denseIndex() {
    if (denseIndex == null) {
      denseIndex = relative.index(original.expandDims(2), original.expandDims(1));
    }
    return denseIndex;
  }

  /** Bias table index of the [CLS] query against every key: (B or 1, 1, L). */
  NDArray clsRowIndex() {
    if (denseIndex != null) {
      return denseIndex.get(":, 0:1");
    }
    return relative.index(original.get(":, 0:1").expandDims(2), original.expandDims(1));
  }

  /** The positions after keeping, for each clip, the patches at {@code kept} (B, k), indices into this stage's patches. */
  TokenPositions keep(NDArray kept) {
    long batch = kept.getShape().get(0);
    NDArray patches = original.get(":, 1:");
    if (patches.getShape().get(0) != batch) {
      patches = patches.broadcast(batch, patches.getShape().get(1));
    }
    NDArray cls = kept.getManager().zeros(new ai.djl.ndarray.types.Shape(batch, 1), DataType.INT64);
    return new TokenPositions(cls.concat(patches.gather(kept, 1), 1), relative);
  }

  /** Per clip, the original patch indices (0-based, [CLS] excluded) alive in this stage. */
  int[][] patchIndices(int batch) {
    long[] flat = original.get(":, 1:").toLongArray();
    int rows = Math.toIntExact(original.getShape().get(0));
    int n = flat.length / rows;
    int[][] out = new int[batch][n];
    for (int b = 0; b < batch; b++) {
      int row = rows == 1 ? 0 : b;
      for (int i = 0; i < n; i++) {
        out[b][i] = Math.toIntExact(flat[row * n + i] - 1);
      }
    }
    return out;
  }
}
