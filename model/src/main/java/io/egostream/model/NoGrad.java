package io.egostream.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Autograd recording off on this thread for one inference call, restored on close. libtorch's grad mode is per
 * thread and on by default; DJL turns it off only on the thread that loaded the engine, so without this an
 * inference call on any other thread (a Flink task, a trainer validating between steps) records a graph through
 * every weight that requires a gradient.
 */
final class NoGrad implements AutoCloseable {
  private final boolean previous;

  NoGrad() {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
