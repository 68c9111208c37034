package io.egostream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.model.ModelBenchmark;
import io.egostream.model.SvittConfig;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream bench model}: clip-embedding forward passes of the sparse model against its dense baseline, with
 * the analytic cost of each and this machine's dense matmul rate, all from one run.
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Time SViTT-Ego clip embedding, sparse (block-sparse attention + token pruning) against dense (full",
        "attention, no pruning), on random weights. Prints clips/s, peak working memory, analytic GFLOPs per clip,",
        "attention query-key pairs and tokens per stage, and this machine's dense matmul GFLOP/s."
    })
final class BenchModelCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--preset", defaultValue = "base", paramLabel = "NAME",
      description = "Architecture preset: base or tiny (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(names = "--frames", defaultValue = "4", paramLabel = "T",
      description = "Frames per clip (default: ${DEFAULT-VALUE}).")
  int frames;

  @Option(names = "--keep-rate", paramLabel = "Q",
      description = "Token keep rate q_v of the sparse model (default: 0.7 up to 4 frames, 0.6 above, as in the "
          + "paper's curriculum).")
  Float keepRate;

  @ArgGroup(exclusive = true)
  Modes modes = new Modes();

  static final class Modes {
    @Option(names = "--sparse", description = "Run the sparse model only.")
    boolean sparse;

    @Option(names = "--dense", description = "Run the dense baseline only.")
    boolean dense;

    @Option(names = "--both", description = "Run both and report their ratios (the default).")
    boolean both;
  }

  @Option(names = "--batch-size", defaultValue = "1", paramLabel = "B",
      description = "Clips per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--iterations", defaultValue = "3", paramLabel = "N",
      description = "Timed passes per mode after one warm-up; the median is reported (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    SvittConfig config = config();
    boolean sparse = modes.sparse || !modes.dense;
    boolean dense = modes.dense || !modes.sparse;
    ModelBenchmark.Options options;
    try {
      options = new ModelBenchmark.Options(config, sparse, dense, batchSize, iterations);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    ModelBenchmark.Result result = ModelBenchmark.run(options);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(result, config));
    } else {
      printTable(out, result, config);
    }
    out.flush();
    return 0;
  }

  /** The keep rate q_v the paper's curriculum trains a clip length at: 0.7 up to 4 frames, 0.6 above. */
  static float curriculumKeepRate(int frames) {
    return frames <= 4 ? 0.7f : 0.6f;
  }

  private SvittConfig config() {
    try {
      float q = keepRate != null ? keepRate : curriculumKeepRate(frames);
      return SvittConfig.preset(preset).toBuilder().frames(frames).keepRate(q).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  static ObjectNode toJson(ModelBenchmark.Result r, SvittConfig config) {
    ObjectNode root = JSON.createObjectNode();
    root.put("preset", r.preset());
    root.put("frames", r.frames());
    root.put("keep_rate", r.keepRate());
    root.put("batch_size", r.batchSize());
    var tokens = root.putArray("tokens_per_stage");
    (r.sparse() != null ? r.sparse() : r.dense()).tokensPerStage().forEach(tokens::add);
    if (r.sparse() != null) {
      root.set("sparse", mode(r.sparse()));
    }
    if (r.dense() != null) {
      root.set("dense", mode(r.dense()));
    }
    if (r.sparse() != null && r.dense() != null) {
      root.put("speedup", r.speedup());
      root.put("analytic_speedup", r.analyticSpeedup(config));
      root.put("memory_ratio", (double) r.dense().peakMemoryBytes() / r.sparse().peakMemoryBytes());
    }
    root.put("matmul_gflops_per_second", r.matmulGflopsPerSecond());
    return root;
  }

  private static ObjectNode mode(ModelBenchmark.ModeResult m) {
    ObjectNode node = JSON.createObjectNode();
    node.put("clips_per_second", m.clipsPerSecond());
    node.put("seconds_per_pass", m.secondsPerPass());
    node.put("peak_memory_bytes", m.peakMemoryBytes());
    node.put("gflops_per_clip", m.gflopsPerClip());
    node.put("attention_pairs", m.attentionPairs());
    node.put("achieved_gflops_per_second", m.achievedGflopsPerSecond());
    var tokens = node.putArray("tokens_per_stage");
    m.tokensPerStage().forEach(tokens::add);
    return node;
  }

  private static void printTable(PrintWriter out, ModelBenchmark.Result r, SvittConfig config) {
    out.printf(Locale.ROOT, "SViTT-Ego %s, %d frames, q_v %.2f, batch %d; dense matmul on this machine: %.1f GFLOP/s%n",
        r.preset(), r.frames(), r.keepRate(), r.batchSize(), r.matmulGflopsPerSecond());
    out.printf(Locale.ROOT, "%-7s %9s %9s %10s %11s %12s %9s %10s  %s%n", "mode", "clips/s", "s/pass",
        "peak MiB", "GFLOP/clip", "attn pairs", "GFLOP/s", "% matmul", "patch tokens per stage");
    row(out, "sparse", r.sparse(), r.matmulGflopsPerSecond());
    row(out, "dense", r.dense(), r.matmulGflopsPerSecond());
    if (r.sparse() != null && r.dense() != null) {
      out.printf(Locale.ROOT, "sparse vs dense: %.2fx clips/s (analytic FLOP ratio %.2fx), %.2fx less peak memory, "
              + "%.1fx fewer attention pairs%n",
          r.speedup(), r.analyticSpeedup(config),
          (double) r.dense().peakMemoryBytes() / r.sparse().peakMemoryBytes(),
          (double) r.dense().attentionPairs() / r.sparse().attentionPairs());
    }
  }

  private static void row(PrintWriter out, String name, ModelBenchmark.ModeResult m, double matmul) {
    if (m == null) {
      return;
    }
    out.printf(Locale.ROOT, "%-7s %9.3f %9.3f %10.0f %11.1f %12d %9.1f %9.0f%%  %s%n", name, m.clipsPerSecond(),
        m.secondsPerPass(), m.peakMemoryBytes() / 1048576.0, m.gflopsPerClip(), m.attentionPairs(),
        m.achievedGflopsPerSecond(), 100 * m.achievedGflopsPerSecond() / matmul,
        m.tokensPerStage().stream().map(String::valueOf).collect(Collectors.joining(" → ")));
  }
}
