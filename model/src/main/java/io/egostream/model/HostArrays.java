package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays made from Java data, in memory that libtorch owns. Every array the model builds from Java values (pixels,
 * token ids, position indices, masks) comes from here, and so does every scalar that a trained path multiplies or
 * divides by: DJL's {@code mul(Number)} and {@code div(Number)} wrap the number the same way and close it at once.
 *
 * <p>On the CPU, DJL's {@code NDManager.create} wraps a direct buffer ({@code torch::from_blob}) that only the Java
 * handle keeps alive. Autograd saves such a tensor for the backward pass without owning its memory, so when a scope
 * closes the handle and the garbage collector frees the buffer before {@code backward}, the gradients are computed
 * from freed memory: garbage or NaN, depending on when the collector ran. Copying the data once into a tensor of
 * libtorch's own makes its lifetime libtorch's.
 */
public final class HostArrays {
  private HostArrays() {}

  /** A float32 array of {@code shape} holding {@code data}. */
  public static NDArray of(NDManager manager, float[] data, Shape shape) {
    return owned(manager.create(data, shape));
  }

  /** An int64 array of {@code shape} holding {@code data}. */
  public static NDArray of(NDManager manager, long[] data, Shape shape) {
    return owned(manager.create(data, shape));
  }

  /** A float32 scalar (shape ()) holding {@code value}. */
  public static NDArray scalar(NDManager manager, float value) {
    return owned(manager.create(value));
  }

  private static NDArray owned(NDArray wrapped) {
    try {
      return wrapped.duplicate();
    } finally {
      wrapped.close();
    }
  }
}
