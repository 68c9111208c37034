package io.egostream.model;

import ai.djl.ndarray.NDArray;

/** BEiT self-attention with a 3D relative position bias; dense or block-sparse by its {@link AttentionKernel}. */
final class VideoSelfAttention {
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final RelativePositionBias3d relativeBias;
  private final Linear output;
  private final AttentionKernel kernel;
  private final int heads;
  private final float scale;
  private final int layer;

  VideoSelfAttention(StateDict sd, String prefix, SvittConfig c, AttentionKernel kernel, int layer) {
    int width = c.visionWidth();
    query = new Linear(sd, prefix + ".attention.query", width, width, true);
    key = new Linear(sd, prefix + ".attention.key", width, width, false); // BEiT: no key bias
    value = new Linear(sd, prefix + ".attention.value", width, width, true);
    relativeBias = new RelativePositionBias3d(
        sd, prefix + ".attention.relative_position_bias", c.frames(), c.gridSize(), c.visionHeads());
    output = new Linear(sd, prefix + ".output.dense", width, width, true);
    this.kernel = kernel;
    this.heads = c.visionHeads();
    this.scale = (float) (1 / Math.sqrt((double) width / heads));
    this.layer = layer;
  }

  /** x (B, L, D) → output (B, L, D) and the [CLS] attention (B, H, L). */
  Attended forward(NDArray x, TokenPositions positions) {
    NDArray q = Ops.splitHeads(query.forward(x), heads).mul(HostArrays.scalar(x.getManager(), scale)); // (B, H, L, d)
    NDArray k = Ops.splitHeads(key.forward(x), heads);
    NDArray v = Ops.splitHeads(value.forward(x), heads);
    Attended a = kernel.attend(q, k, v, positions, relativeBias, layer);
    return new Attended(output.forward(Ops.mergeHeads(a.out())), a.clsProbs());
  }
}
