package io.egostream.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Times clip embedding forward passes of the sparse model and of its dense baseline (full attention, no pruning) in
 * one process, next to this machine's dense matmul rate, so that ratios come from one run.
 *
 * <p>Peak memory is the process's peak resident set during a mode's passes minus its resident set just before them
 * (weights loaded): the working memory of the forward pass. The kernel's peak counter is reset for each mode
 * ({@code /proc/self/clear_refs}). The sparse mode runs first so that memory the allocator keeps from it can only
 * flatter the dense mode, never the sparse one.
 */
public final class ModelBenchmark {
  private ModelBenchmark() {}

  /**
   * @param config the sparse model's config; the dense baseline is {@link SvittConfig#dense()}
   * @param sparse run the sparse model
   * @param dense run the dense baseline
   * @param batchSize clips per forward pass
   * @param iterations timed passes per mode, after one warm-up pass
   */
  public record Options(SvittConfig config, boolean sparse, boolean dense, int batchSize, int iterations) {
    public Options {
      if (!sparse && !dense) {
        throw new IllegalArgumentException("Nothing to run: choose sparse, dense or both");
      }
      if (batchSize < 1 || iterations < 1) {
        throw new IllegalArgumentException("Invalid batch size " + batchSize + " or iterations " + iterations
            + ": both must be at least 1");
      }
    }
  }

  /** One mode's figures. */
  public record ModeResult(
      double clipsPerSecond,
      double secondsPerPass,
      long peakMemoryBytes,
      double gflopsPerClip,
      long attentionPairs,
      double achievedGflopsPerSecond,
      List<Integer> tokensPerStage) {}

  /** Everything one run measured; {@code sparse} or {@code dense} is null when that mode did not run. */
  public record Result(
      String preset,
      int frames,
      float keepRate,
      int batchSize,
      List<Integer> tokensPerStage,
      ModeResult sparse,
      ModeResult dense,
      double matmulGflopsPerSecond) {

    /** Sparse clips/s ÷ dense clips/s, or NaN unless both ran. */
    public double speedup() {
      return sparse == null || dense == null ? Double.NaN : sparse.clipsPerSecond() / dense.clipsPerSecond();
    }

    /** Dense FLOPs ÷ sparse FLOPs: the speed-up the architecture allows. */
    public double analyticSpeedup(SvittConfig config) {
      return VideoCost.of(config.dense()).flops() / VideoCost.of(config).flops();
    }
  }

  public static Result run(Options options) {
    SvittConfig config = options.config();
    double matmul = matmulGflopsPerSecond();
    ModeResult sparse = options.sparse() ? runMode(config, options) : null;
    ModeResult dense = options.dense() ? runMode(config.dense(), options) : null;
    return new Result(config.name(), config.frames(), config.keepRate(), options.batchSize(),
        config.tokensPerStage(), sparse, dense, matmul);
  }

  private static ModeResult runMode(SvittConfig config, Options options) {
    List<Clip> clips = new ArrayList<>();
    for (int i = 0; i < options.batchSize(); i++) {
      clips.add(syntheticClip(config, i));
    }
    VideoCost cost = VideoCost.of(config);
    // The same seed for both modes: the same weights, only the sparsity differs.
    try (SvittEgo model = SvittEgo.initialize(config, 0, Device.cpu())) {
      resetPeakMemory();
      long before = residentBytes("VmRSS:");
      model.embedClips(clips); // warm-up: first-call allocations and kernel selection
      double[] seconds = new double[options.iterations()];
      List<Integer> tokens = null;
      for (int i = 0; i < seconds.length; i++) {
        long start = System.nanoTime();
        List<ClipEmbedding> out = model.embedClips(clips);
        seconds[i] = (System.nanoTime() - start) / 1e9;
        tokens = Arrays.stream(out.get(0).keptTokensPerStage()).boxed().toList();
      }
      long peak = residentBytes("VmHWM:") - before;
      double perPass = median(seconds);
      double clipsPerSecond = options.batchSize() / perPass;
      return new ModeResult(clipsPerSecond, perPass, peak, cost.gflops(), cost.attentionPairs(),
          cost.gflops() * clipsPerSecond, tokens);
    }
  }

  /**
   * Memory after a number of calls.
   *
   * @param calls calls made so far (one call embeds a clip and a text)
   * @param residentBytes the process's resident set
   * @param liveArrays native arrays the model's manager holds: its weights, and anything a call failed to free
   */
  public record MemorySample(int calls, long residentBytes, int liveArrays) {}

  /**
   * Embeds the same clip and text {@code calls} times on one model, sampling memory every {@code every} calls: a
   * leak shows as live arrays or resident memory that keep rising.
   */
  public static List<MemorySample> memoryOverCalls(SvittConfig config, int calls, int every,
      java.util.function.Consumer<MemorySample> progress) {
    List<MemorySample> samples = new ArrayList<>();
    Clip clip = syntheticClip(config, 0);
    try (SvittEgo model = SvittEgo.initialize(config, 0, Device.cpu())) {
      for (int i = 0; i <= calls; i++) {
        if (i % every == 0 || i == calls) {
          MemorySample sample = new MemorySample(i, residentBytes("VmRSS:"), model.liveArrays());
          samples.add(sample);
          progress.accept(sample);
        }
        if (i < calls) {
          model.embedClips(List.of(clip));
          model.embedTexts(List.of("c picks up the red cup"));
        }
      }
    }
    return samples;
  }

  /** This machine's dense float32 matmul rate through the engine (2048³, median of 5). */
  static double matmulGflopsPerSecond() {
    int n = 2048;
    BundledLibTorch.prepare();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      a.matMul(b).close();
      double[] seconds = new double[5];
      for (int i = 0; i < seconds.length; i++) {
        long start = System.nanoTime();
        a.matMul(b).close();
        seconds[i] = (System.nanoTime() - start) / 1e9;
      }
      return 2.0 * n * n * n / median(seconds) / 1e9;
    }
  }

  private static Clip syntheticClip(SvittConfig config, int seed) {
    Random random = new Random(seed);
    int side = config.imageSize();
    List<RgbFrame> frames = new ArrayList<>();
    for (int f = 0; f < config.frames(); f++) {
      byte[] rgb = new byte[side * side * 3];
      random.nextBytes(rgb);
      frames.add(new RgbFrame(side, side, rgb));
    }
    return new Clip(frames);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static void resetPeakMemory() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | UnsupportedOperationException e) {
      // Not Linux, or not allowed: the peak then covers the whole process so far, which docs/benchmarks.md says.
    }
  }

  /** A /proc/self/status field in bytes (e.g. {@code "VmRSS:"}), or 0 where there is no /proc. */
  public static long residentBytes(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }
}
