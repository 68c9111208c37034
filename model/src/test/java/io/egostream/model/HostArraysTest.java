package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HostArraysTest {
  /** 64 KB: allocated from the C heap, where a later buffer of the same size tends to take the freed memory. */
  private static final int FLOATS = 16_384;

  /**
   * The training step's pattern: an array of Java data enters the graph inside a scope that closes before
   * {@code backward}. With DJL's plain {@code create} the gradient was NaN here, read from a freed buffer.
   */
  @Test
  void anArrayOfJavaDataStaysValidForTheBackwardPassAfterItsHandleCloses() throws InterruptedException {
    float[] data = new float[FLOATS];
    for (int i = 0; i < FLOATS; i++) {
      data[i] = i % 7;
    }
    assertArrayEquals(data,
        gradientOfScaledWeights(m -> HostArrays.of(m, data, new Shape(FLOATS)), data.length * Float.BYTES));
  }

  /** The attention's and EgoNCE's pattern: a trained array scaled by a number (DJL's mul(Number) gave NaN here). */
  @Test
  void aScalarStaysValidForTheBackwardPassAfterItsHandleCloses() throws InterruptedException {
    float[] expected = new float[FLOATS];
    Arrays.fill(expected, 0.125f);
    assertArrayEquals(expected, gradientOfScaledWeights(m -> HostArrays.scalar(m, 0.125f), Float.BYTES));
  }

  /**
   * d/dw of sum(w · factor) for w = ones(FLOATS), with backward run after the scope that made {@code factor} has
   * closed and freed buffers of {@code factorBytes} have been overwritten with NaN.
   */
  private static float[] gradientOfScaledWeights(Function<NDManager, NDArray> factor, int factorBytes)
      throws InterruptedException {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray weight = m.ones(new Shape(FLOATS));
      weight.setRequiresGradient(true);
      try (GradientCollector tape = m.getEngine().newGradientCollector()) {
        NDArray loss;
        try (NDScope ignored = new NDScope()) {
          loss = weight.mul(factor.apply(m)).sum();
          NDScope.unregister(loss);
        }
        List<ByteBuffer> reused = overwriteFreedBuffers(factorBytes);
        tape.backward(loss);
        reused.clear();
      }
      return weight.getGradient().toFloatArray();
    }
  }

  /** Lets the collector free unreachable direct buffers, then fills new ones of {@code bytes} with NaN. */
  private static List<ByteBuffer> overwriteFreedBuffers(int bytes) throws InterruptedException {
    List<ByteBuffer> buffers = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      System.gc();
      Thread.sleep(20);
      for (int i = 0; i < 8; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        while (b.hasRemaining()) {
          b.putFloat(Float.NaN);
        }
        buffers.add(b);
      }
    }
    return buffers;
  }
}
