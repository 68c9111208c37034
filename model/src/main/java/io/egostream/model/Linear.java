package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** y = x Wᵀ + b, with torch's [out, in] weight layout so checkpoints copy over unchanged. */
final class Linear {
  private final Param weight;
  private final Param bias; // null: no bias (BEiT's key projection)

  Linear(StateDict sd, String prefix, int in, int out, boolean withBias) {
    weight = sd.declare(prefix + ".weight", new Shape(out, in), Init.weights());
    bias = withBias ? sd.declare(prefix + ".bias", new Shape(out), Init.zeros()) : null;
  }

  NDArray forward(NDArray x) {
    return ai.djl.nn.core.Linear.linear(x, weight.array(), bias == null ? null : bias.array()).singletonOrThrow();
  }
}
