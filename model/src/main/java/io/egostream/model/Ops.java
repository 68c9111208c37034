package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** Tensor helpers shared by the blocks. */
final class Ops {
  private Ops() {}

  /**
   * Rows of a 2-D {@code table} picked by integer {@code index} of any shape: result shape = index shape + (C,).
   * A row gather (torch's embedding) is the fastest gather on the CPU engine (docs/model.md, 'Speed on the CPU').
   */
  static NDArray rows(NDArray table, NDArray index) {
    return ai.djl.nn.core.Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /**
   * Runs {@code step} in a scope of its own, so its intermediates are freed as soon as it returns; the arrays that
   * {@code outputs} picks from its result move to the enclosing scope. PyTorch frees a tensor when its last Python
   * reference goes; without this a forward pass would hold every intermediate until the call ends, and its peak
   * memory would be the sum of all of them.
   */
  static <T> T scoped(Supplier<T> step, Function<T, List<NDArray>> outputs) {
    T result;
    List<NDArray> kept;
    try (NDScope scope = new NDScope()) {
      result = step.get();
      kept = outputs.apply(result);
      kept.forEach(NDScope::unregister);
    }
    kept.forEach(NDScope::register);
    return result;
  }

  /** (B, L, H·d) → (B, H, L, d). */
  static NDArray splitHeads(NDArray x, int heads) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
  }

  /** (B, H, L, d) → (B, L, H·d). */
  static NDArray mergeHeads(NDArray x) {
    Shape s = x.getShape();
    return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
  }

  /**
   * For each row b of {@code x} (B, N, C), the rows listed in {@code index} (B, K): result (B, K, C). Used to keep
   * pruned tokens, so it works through a flat row gather with per-batch offsets.
   */
  static NDArray gatherTokens(NDArray x, NDArray index) {
    Shape s = x.getShape();
    long batch = s.get(0);
    long n = s.get(1);
    NDArray offsets = x.getManager().arange(0L, batch * n, n, DataType.INT64).reshape(batch, 1);
    return rows(x.reshape(batch * n, s.get(2)), index.add(offsets));
  }

  /** The top {@code k} entries of each row of {@code scores} (B, N), as indices in ascending (original) order. */
  static NDArray topKInOrder(NDArray scores, int k) {
    NDArray index = scores.topK(k, 1, true, false).get(1);
    return index.sort(1);
  }
}
