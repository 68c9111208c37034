package io.egostream.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * How many threads libtorch runs one operation on (its intra-op pool). The pool belongs to the process: every model
 * loaded in it shares the setting, whichever set it last.
 *
 * <p>Why not all cores, libtorch's default: a model is rarely alone on its machine. Frame decoding, Kafka and Flink
 * need CPU at the same time, and an intra-op thread that loses its core holds up the others at the end of every
 * operation; on two busy cores one thread embedded clips more than twice as fast as two ({@code bench model} beside a
 * build, docs/benchmarks.md).
 */
public final class EngineThreads {
  private EngineThreads() {}

  /** One fewer than the processors this JVM may use, at least 1: a core left for the work around the model. */
  public static int defaultCount() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
  }

  /** Sets the intra-op pool to {@code threads} (at least 1) for the whole process, loading the engine if need be. */
  public static void set(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("Invalid thread count " + threads + ": must be at least 1");
    }
    Engine.getEngine("PyTorch"); // loads the native library that JniUtils calls into
    JniUtils.setNumThreads(threads);
  }

  /** The intra-op pool's size now. */
  public static int get() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }
}
