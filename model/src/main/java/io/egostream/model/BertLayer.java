package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** One BERT layer: self-attention, cross-attention to the video (fusion layers only), feed-forward; post-norm. */
final class BertLayer {
  private final BertAttention attention;
  private final BertAttention crossAttention; // null in text-only layers
  private final Linear intermediate;
  private final Linear output;
  private final LayerNorm outputNorm;

  BertLayer(StateDict sd, String prefix, SvittConfig c, boolean fusion) {
    int width = c.textWidth();
    attention = new BertAttention(sd, prefix + ".attention", width, width, c.textHeads(), c.layerNormEps());
    crossAttention = fusion
        ? new BertAttention(sd, prefix + ".crossattention", width, c.visionWidth(), c.textHeads(), c.layerNormEps())
        : null;
    intermediate = new Linear(sd, prefix + ".intermediate.dense", width, c.textMlpDim(), true);
    output = new Linear(sd, prefix + ".output.dense", c.textMlpDim(), width, true);
    outputNorm = new LayerNorm(sd, prefix + ".output.LayerNorm", width, c.layerNormEps());
  }

  /** A text-only layer: x (B, Lt, D) → (B, Lt, D). */
  NDArray forward(NDArray x, NDArray textMask) {
    return feedForward(attention.forward(x, x, textMask).out());
  }

  /**
   * A fusion layer over video tokens (B, Lv, Dv): returns the text (B, Lt, D) and the text [CLS]'s cross-attention
   * over the video tokens (B, H, Lv), the score of text-guided pruning.
   */
  Attended forward(NDArray x, NDArray textMask, NDArray video) {
    NDArray h = attention.forward(x, x, textMask).out();
    Attended cross = crossAttention.forward(h, video, null);
    return new Attended(feedForward(cross.out()), cross.clsProbs());
  }

  private NDArray feedForward(NDArray h) {
    return outputNorm.forward(output.forward(Activation.gelu(intermediate.forward(h))).add(h));
  }
}
