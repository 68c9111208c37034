package io.egostream.model;

import ai.djl.ndarray.NDArray;

/**
 * BERT attention block, self or cross: multi-head attention of x over a context, then dense + residual + LayerNorm
 * (post-norm). For cross-attention the context is the video tokens, of the video encoder's width.
 */
final class BertAttention {
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear dense;
  private final LayerNorm layerNorm;
  private final int heads;
  private final float scale;

  BertAttention(StateDict sd, String prefix, int width, int contextWidth, int heads, float eps) {
    query = new Linear(sd, prefix + ".self.query", width, width, true);
    key = new Linear(sd, prefix + ".self.key", contextWidth, width, true);
    value = new Linear(sd, prefix + ".self.value", contextWidth, width, true);
    dense = new Linear(sd, prefix + ".output.dense", width, width, true);
    layerNorm = new LayerNorm(sd, prefix + ".output.LayerNorm", width, eps);
    this.heads = heads;
    this.scale = (float) (1 / Math.sqrt((double) width / heads));
  }

  /**
   * @param x queries' input (B, Lq, D)
   * @param context keys' and values' input (B, Lk, Dc)
   * @param keyMask additive mask (B, 1, 1, Lk): 0 for real keys, a large negative number for padding; or null
   * @return output (B, Lq, D) and the first query's ([CLS]'s) attention probabilities (B, H, Lk)
   */
  Attended forward(NDArray x, NDArray context, NDArray keyMask) {
    NDArray q = Ops.splitHeads(query.forward(x), heads).mul(HostArrays.scalar(x.getManager(), scale)); // (B, H, Lq, d)
    NDArray k = Ops.splitHeads(key.forward(context), heads); // (B, H, Lk, d)
    NDArray v = Ops.splitHeads(value.forward(context), heads);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, H, Lq, Lk)
    if (keyMask != null) {
      scores = scores.add(keyMask);
    }
    NDArray probs = scores.softmax(-1);
    NDArray out = Ops.mergeHeads(probs.matMul(v)); // (B, Lq, D)
    return new Attended(layerNorm.forward(dense.forward(out).add(x)), probs.get(":, :, 0"));
  }
}
