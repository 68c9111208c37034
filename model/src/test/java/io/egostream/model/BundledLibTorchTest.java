package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rule runs in every build. {@link #theEngineStartsWithTheBundledLibtorchOnThisMachine} is the one check of the
 * GPU build this GPU-less machine can make: run it with {@code mvn -B -o -Pgpu -pl model -am test
 * -Dtest=BundledLibTorchTest -Dsurefire.failIfNoSpecifiedTests=false} (the 2.4 GB CUDA libtorch must be in ~/.m2).
 */
class BundledLibTorchTest {

  @Test
  void theCudaBuildRunsOnTheCpuOnlyWhereCudaSeesNoGpuAndNothingIsOverridden() {
    BundledLibTorch.Plan noGpu = BundledLibTorch.plan("cu124", 0, false);
    assertTrue(noGpu.cudaBuildOnCpu());
    assertTrue(noGpu.reason().contains("CUDA sees no GPU"), noGpu.reason());
    assertFalse(BundledLibTorch.plan("cu124", 2, false).cudaBuildOnCpu(), "DJL takes the CUDA build itself");
    assertFalse(BundledLibTorch.plan("cu124", 0, true).cudaBuildOnCpu(), "PYTORCH_* settings win");
    assertFalse(BundledLibTorch.plan("cpu", 0, false).cudaBuildOnCpu(), "the CPU build needs nothing");
    assertFalse(BundledLibTorch.plan(null, 0, false).cudaBuildOnCpu(), "no bundled libtorch: DJL's own rules");
  }

  @Test
  void theLibraryThatNeedsTheDriverIsLeftOut() {
    assertEquals(List.of("libc10.so", "libtorch.so"),
        BundledLibTorch.forCpu(List.of("libc10.so", " libcaffe2_nvrtc.so", "libtorch.so", "")));
  }

  @Test
  void theEngineStartsWithTheBundledLibtorchOnThisMachine() {
    Engine engine = Devices.pytorch();
    int gpus = engine.getGpuCount();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      NDArray ones = manager.ones(new Shape(4, 4));
      assertEquals(64f, ones.matMul(ones).sum().getFloat(), "a matmul on the CPU");
    }
    String flavor = BundledLibTorch.bundledFlavor();
    if (flavor.startsWith("cu") && gpus == 0) { // the GPU build here: the engine runs it from its CPU folder
      assertEquals(flavor, System.getProperty("PYTORCH_FLAVOR"));
      assertEquals(System.getProperty("PYTORCH_LIBRARY_PATH"), LibUtils.getLibtorchPath());
      assertTrue(LibUtils.getLibtorchPath().endsWith(flavor + "-linux-x86_64-on-cpu"), LibUtils.getLibtorchPath());
    } else {
      assertEquals(null, System.getProperty("PYTORCH_FLAVOR"), "the " + flavor + " build is DJL's business");
    }
  }
}
