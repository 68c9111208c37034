package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** LayerNorm over the last axis. */
final class LayerNorm {
  private final Param weight;
  private final Param bias;
  private final Shape normalizedShape;
  private final float eps;

  LayerNorm(StateDict sd, String prefix, int width, float eps) {
    this.normalizedShape = new Shape(width);
    this.eps = eps;
    weight = sd.declare(prefix + ".weight", normalizedShape, Init.ones());
    bias = sd.declare(prefix + ".bias", normalizedShape, Init.zeros());
  }

  NDArray forward(NDArray x) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalizedShape, weight.array(), bias.array(), eps)
        .singletonOrThrow();
  }
}
