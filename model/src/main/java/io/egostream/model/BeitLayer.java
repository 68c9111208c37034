package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** One pre-norm BEiT layer with layer scale: x += λ1·attn(LN(x)); x += λ2·mlp(LN(x)). */
final class BeitLayer {
  private final LayerNorm layernormBefore;
  private final VideoSelfAttention attention;
  private final LayerNorm layernormAfter;
  private final Linear intermediate;
  private final Linear output;
  private final Param lambda1;
  private final Param lambda2;

  BeitLayer(StateDict sd, String prefix, SvittConfig c, AttentionKernel kernel, int layer) {
    int width = c.visionWidth();
    layernormBefore = new LayerNorm(sd, prefix + ".layernorm_before", width, c.layerNormEps());
    attention = new VideoSelfAttention(sd, prefix + ".attention", c, kernel, layer);
    layernormAfter = new LayerNorm(sd, prefix + ".layernorm_after", width, c.layerNormEps());
    intermediate = new Linear(sd, prefix + ".intermediate.dense", width, c.visionMlpDim(), true);
    output = new Linear(sd, prefix + ".output.dense", c.visionMlpDim(), width, true);
    lambda1 = sd.declare(prefix + ".lambda_1", new Shape(width), Init.constant(c.layerScaleInit()));
    lambda2 = sd.declare(prefix + ".lambda_2", new Shape(width), Init.constant(c.layerScaleInit()));
  }

  /** x (B, L, D) → (B, L, D), with the layer's [CLS] attention (B, H, L) for pruning. */
  Attended forward(NDArray x, TokenPositions positions) {
    Attended a = attention.forward(layernormBefore.forward(x), positions);
    x = x.add(a.out().mul(lambda1.array()));
    x = x.add(output.forward(Activation.gelu(intermediate.forward(layernormAfter.forward(x)))).mul(lambda2.array()));
    return new Attended(x, a.clsProbs());
  }
}
