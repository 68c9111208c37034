package io.egostream.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Picks the device a model runs on. */
public final class Devices {
  private Devices() {}

  /**
   * {@code cpu}, {@code gpu} (GPU 0) or {@code gpu:N}. A GPU that PyTorch cannot see is an error, not a silent fall
   * back to the CPU: whoever asked for it wants to know.
   */
  public static Device select(String spec) {
    String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("cpu")) {
      return Device.cpu();
    }
    if (s.equals("gpu") || s.startsWith("gpu:")) {
      int index;
      try {
        index = s.equals("gpu") ? 0 : Integer.parseInt(s.substring(4));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Invalid value " + spec + " for device: use cpu, gpu or gpu:N");
      }
      return gpu(index, pytorch().getGpuCount());
    }
    throw new IllegalArgumentException("Invalid value " + spec + " for device: use cpu, gpu or gpu:N");
  }

  /** DJL's PyTorch engine, started with the libtorch in the jar ({@link BundledLibTorch}). */
  public static Engine pytorch() {
    BundledLibTorch.prepare();
    return Engine.getEngine("PyTorch");
  }

  /** GPU {@code index} when {@code visible} GPUs exist. */
  static Device gpu(int index, int visible) {
    if (index < 0 || index >= visible) {
      throw new IllegalArgumentException("Invalid value gpu:" + index + " for device: PyTorch sees " + visible
          + " GPU(s) here (is the CUDA libtorch on the classpath? build with -Pgpu; or use cpu)");
    }
    return Device.gpu(index);
  }
}
