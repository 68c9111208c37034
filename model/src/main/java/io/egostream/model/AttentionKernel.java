package io.egostream.model;

import ai.djl.ndarray.NDArray;

/**
 * Multi-head attention of a video layer, given projected queries, keys and values. Dense and block-sparse attention
 * are two implementations, chosen once when the model is built.
 */
interface AttentionKernel {

  /**
   * @param q queries (B, H, L, d), already scaled by 1/sqrt(d)
   * @param k keys (B, H, L, d)
   * @param v values (B, H, L, d)
   * @param positions the stage's token positions, for the relative position bias
   * @param bias this layer's bias table
   * @param layer layer index, which picks the random block pattern
   */
  Attended attend(NDArray q, NDArray k, NDArray v, TokenPositions positions, RelativePositionBias3d bias, int layer);

  /**
   * Attention of some query rows over all keys with the bias at {@code index} (B or 1, rows, L): the dense
   * computation, shared by dense attention and by the dense [CLS] row of sparse attention.
   *
   * @return probabilities (B, H, rows, L) and outputs (B, H, rows, d)
   */
  static NDArray[] denseRows(NDArray q, NDArray keysT, NDArray v, NDArray index, RelativePositionBias3d bias) {
    NDArray probs = q.matMul(keysT).add(bias.lookup(index)).softmax(-1); // (B, H, rows, L)
    return new NDArray[] {probs, probs.matMul(v)};
  }
}
