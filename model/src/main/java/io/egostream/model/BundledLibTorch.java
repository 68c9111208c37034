package io.egostream.model;

import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the CUDA build of libtorch ({@code mvn -Pgpu}) run on the CPU, offline, where no GPU is usable, so one image
 * serves a mixed node pool.
 *
 * <p>DJL takes a bundled CUDA libtorch only when it sees a GPU; otherwise it logs {@code The bundled library:
 * cu124-linux-x86_64:2.5.1 doesn't match system: cpu-linux-x86_64} and asks its server for the CPU build, which fails
 * offline ({@code Failed to save pytorch index file: Offline mode is enabled}). A CUDA libtorch runs on the CPU when
 * no GPU or driver is present, except {@value #NEEDS_DRIVER}, the one bundled library linked against the driver's
 * {@code libcuda.so.1} (PyTorch uses it only to compile GPU kernels). So, before the engine starts, {@link #prepare}
 * extracts the other bundled libraries into a folder of their own and points DJL at it ({@code PYTORCH_LIBRARY_PATH},
 * {@code PYTORCH_FLAVOR}). With the CPU build, with a GPU DJL sees, or with those settings already made, it does
 * nothing.
 */
public final class BundledLibTorch {
  /** The bundled library that needs the NVIDIA driver ({@code readelf -d}: {@code NEEDED libcuda.so.1}). */
  static final String NEEDS_DRIVER = "libcaffe2_nvrtc.so";

  private static final Logger LOG = LoggerFactory.getLogger(BundledLibTorch.class);
  private static final String PROPERTIES = "native/lib/pytorch.properties";
  /** Ends the name of the folder the libraries are extracted to. */
  private static final String ON_CPU = "-on-cpu";
  private static final List<String> SETTINGS = List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "PYTORCH_VERSION");
  private static boolean prepared;

  private BundledLibTorch() {}

  /** What {@link #prepare} does, and why (for its log line). */
  record Plan(boolean cudaBuildOnCpu, String reason) {}

  /**
   * Makes DJL's PyTorch engine start on this machine with the libtorch in the jar: call before its first use.
   * Extracting the CUDA build (4 GB) takes a minute or two, once per machine and cache folder.
   */
  public static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    if (System.getProperty("PYTORCH_LIBRARY_PATH", "").endsWith(ON_CPU)) {
      return; // an earlier job in this JVM (another class loader of this class) did it; DJL is loaded once per JVM
    }
    Properties bundled = bundledProperties();
    String flavor = bundled == null ? null : bundled.getProperty("flavor");
    boolean overridden = SETTINGS.stream().anyMatch(key -> Utils.getEnvOrSystemProperty(key) != null);
    Plan plan = plan(flavor, overridden ? 0 : CudaUtils.getGpuCount(), overridden);
    if (!plan.cudaBuildOnCpu()) {
      if (flavor != null && flavor.startsWith("cu")) {
        LOG.info("PyTorch uses the bundled {} libtorch as DJL finds it: {}", flavor, plan.reason());
      }
      return;
    }
    String version = bundled.getProperty("version");
    String classifier = bundled.getProperty("classifier");
    List<String> libraries = forCpu(Arrays.asList(bundled.getProperty("libraries", "").split(",")));
    Path dir = Utils.getEngineCacheDir("pytorch").resolve(version + "-" + flavor + "-" + classifier + ON_CPU);
    extract("pytorch/" + flavor + "/" + classifier + "/", libraries, dir);
    System.setProperty("PYTORCH_LIBRARY_PATH", dir.toString());
    System.setProperty("PYTORCH_FLAVOR", flavor);
    LOG.warn("PyTorch runs on the CPU with the bundled {} libtorch {} from {}: {}", flavor, version, dir,
        plan.reason());
  }

  /**
   * The rule, free of DJL so that it can be tested here.
   *
   * @param bundledFlavor the flavor of the libtorch in the jar ({@code cpu}, {@code cu124}), null if none
   * @param cudaGpus GPUs DJL sees (through the CUDA runtime of the system)
   * @param overridden whether {@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_FLAVOR} or {@code PYTORCH_VERSION} is set
   */
  static Plan plan(String bundledFlavor, int cudaGpus, boolean overridden) {
    if (bundledFlavor == null || !bundledFlavor.startsWith("cu")) {
      return new Plan(false, "the jar holds the " + bundledFlavor + " libtorch");
    }
    if (overridden) {
      return new Plan(false, "PyTorch's library is chosen by the settings " + SETTINGS);
    }
    if (cudaGpus > 0) {
      return new Plan(false, "CUDA sees " + cudaGpus + " GPU(s)");
    }
    return new Plan(true, "CUDA sees no GPU here (none, no NVIDIA driver, or no CUDA runtime on the library path); "
        + NEEDS_DRIVER + " left out");
  }

  /** The bundled libraries that load without the NVIDIA driver. */
  static List<String> forCpu(List<String> libraries) {
    return libraries.stream().map(String::trim).filter(name -> !name.isEmpty() && !name.equals(NEEDS_DRIVER))
        .toList();
  }

  /** The flavor of the libtorch in the jar ({@code cpu}, {@code cu124}), null if none. */
  static String bundledFlavor() {
    Properties bundled = bundledProperties();
    return bundled == null ? null : bundled.getProperty("flavor");
  }

  private static Properties bundledProperties() {
    try (InputStream in = BundledLibTorch.class.getClassLoader().getResourceAsStream(PROPERTIES)) {
      if (in == null) {
        return null;
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + PROPERTIES + " of the bundled libtorch", e);
    }
  }

  /** Copies the libraries into {@code dir} unless a previous run did (a temporary folder, then one move). */
  private static void extract(String prefix, List<String> libraries, Path dir) {
    if (Files.isRegularFile(dir.resolve("libtorch.so"))) {
      return;
    }
    Path tmp = null;
    try {
      Files.createDirectories(dir.getParent());
      tmp = Files.createTempDirectory(dir.getParent(), "extracting");
      LOG.info("Extracting the bundled libtorch ({} libraries) to {}", libraries.size(), dir);
      for (String library : libraries) {
        try (InputStream in = BundledLibTorch.class.getClassLoader().getResourceAsStream(prefix + library)) {
          if (in == null) {
            throw new IllegalStateException("The bundled libtorch lists " + library + " but the jar has no "
                + prefix + library + " (rebuild the jar)");
          }
          Files.copy(in, tmp.resolve(library));
        }
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
      } catch (IOException e) {
        if (!Files.isRegularFile(dir.resolve("libtorch.so"))) { // else another process extracted it first
          throw e;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot extract the bundled libtorch to " + dir, e);
    } finally {
      if (tmp != null) {
        Utils.deleteQuietly(tmp);
      }
    }
  }
}
