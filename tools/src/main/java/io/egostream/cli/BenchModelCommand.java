package io.egostream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.model.ModelBenchmark;
import io.egostream.model.SvittConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  @Option(names = "--frames", defaultValue = "4", paramLabel = "T[,T...]", split = ",",
      description = "Frames per clip; a comma-separated list runs once per count, one after another (default: "
          + "${DEFAULT-VALUE}).")
  List<Integer> frames;

  @Option(names = "--keep-rate", paramLabel = "Q",
      description = "Token keep rate q_v of the sparse model (default: 0.7 up to 4 frames, 0.6 above, as in the "
          + "paper's curriculum; for each --frames value).")
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

  @Option(names = "--batch-size", defaultValue = "1", paramLabel = "B[,B...]", split = ",",
      description = "Clips per forward pass; a comma-separated list runs each --frames value once per batch size "
          + "(default: ${DEFAULT-VALUE}).")
  List<Integer> batchSizes;

  @Option(names = "--iterations", defaultValue = "3", paramLabel = "N",
      description = "Timed passes per mode after one warm-up; the median is reported (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--chart", paramLabel = "FILE",
      description = "Also draw a PNG chart there: clips/s of each mode that ran against frames (a line per batch "
          + "size when that varies too), or against batch size when only that varies; with --both, the speed-up on "
          + "a second axis.")
  Path chart;

  @Option(names = "--json", description = "Print one JSON object instead of a table (with several runs, their "
      + "objects in \"runs\").")
  boolean json;

  @Override
  public Integer call() throws IOException {
    boolean sparse = modes.sparse || !modes.dense;
    boolean dense = modes.dense || !modes.sparse;
    // Every combination is checked before the first runs: a bad value late in a list would waste the runs before it.
    List<ModelBenchmark.Options> runs = new ArrayList<>();
    for (int t : frames) {
      for (int b : batchSizes) {
        try {
          runs.add(new ModelBenchmark.Options(config(t), sparse, dense, b, iterations));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      }
    }
    EvalOptionChecks.checkFolder(spec, "--chart", chart);
    PrintWriter out = spec.commandLine().getOut();
    List<ModelBenchmark.Result> results = new ArrayList<>();
    for (ModelBenchmark.Options options : runs) {
      ModelBenchmark.Result result = ModelBenchmark.run(options);
      results.add(result);
      if (!json) {
        printTable(out, result, options.config());
        out.flush();
      }
    }
    if (!json && runs.size() > 1) {
      printSummary(out, results);
    }
    if (chart != null) {
      writeChart(results, sparse && dense);
    }
    if (json) {
      ObjectNode printed = runs.size() == 1 ? toJson(results.get(0), runs.get(0).config()) : JSON.createObjectNode();
      if (runs.size() > 1) {
        var array = printed.putArray("runs");
        for (int i = 0; i < runs.size(); i++) {
          array.add(toJson(results.get(i), runs.get(i).config()));
        }
      }
      if (chart != null) {
        printed.put("chart", chart.toString());
      }
      out.println(printed);
    } else if (chart != null) {
      out.println("chart of clips/s against " + xAxis() + ": " + chart);
    }
    out.flush();
    return 0;
  }

  /** Frames when they vary, else batch size: what the chart's x axis shows. */
  private String xAxis() {
    return frames.size() > 1 ? "frames" : "batch size";
  }

  /** The keep rate q_v the paper's curriculum trains a clip length at: 0.7 up to 4 frames, 0.6 above. */
  static float curriculumKeepRate(int frames) {
    return frames <= 4 ? 0.7f : 0.6f;
  }

  private SvittConfig config(int frameCount) {
    try {
      float q = keepRate != null ? keepRate : curriculumKeepRate(frameCount);
      return SvittConfig.preset(preset).toBuilder().frames(frameCount).keepRate(q).build();
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

  /** One line a run, after their blocks: what changes between runs, side by side. */
  private static void printSummary(PrintWriter out, List<ModelBenchmark.Result> results) {
    out.printf(Locale.ROOT, "%6s %5s %5s %15s %14s %9s%n", "frames", "q_v", "batch", "sparse clips/s",
        "dense clips/s", "speed-up");
    for (ModelBenchmark.Result r : results) {
      out.printf(Locale.ROOT, "%6d %5.2f %5d %15s %14s %9s%n", r.frames(), r.keepRate(), r.batchSize(),
          clipsPerSecond(r.sparse()), clipsPerSecond(r.dense()),
          Double.isNaN(r.speedup()) ? "-" : String.format(Locale.ROOT, "%.2fx", r.speedup()));
    }
  }

  private static String clipsPerSecond(ModelBenchmark.ModeResult m) {
    return m == null ? "-" : String.format(Locale.ROOT, "%.3f", m.clipsPerSecond());
  }

  /**
   * Each mode's clips/s against frames, a line per batch size when that varies too, or against batch size when only
   * that varies; the speed-up on the right axis when both modes ran.
   */
  private void writeChart(List<ModelBenchmark.Result> results, boolean both) throws IOException {
    boolean againstFrames = frames.size() > 1;
    LineChart speed = new LineChart(againstFrames ? "frames per clip" : "clips per forward pass (batch size)",
        "clips/s", both ? "speed-up, sparse ÷ dense" : null);
    for (ModelBenchmark.Result r : results) {
      double x = againstFrames ? r.frames() : r.batchSize();
      String of = againstFrames && batchSizes.size() > 1 ? ", batch " + r.batchSize() : "";
      if (r.sparse() != null) {
        speed.left("sparse" + of, x, r.sparse().clipsPerSecond());
      }
      if (r.dense() != null) {
        speed.left("dense" + of, x, r.dense().clipsPerSecond());
      }
      if (both) {
        speed.right("speed-up" + of, x, r.speedup());
      }
    }
    ModelBenchmark.Result first = results.get(0);
    speed.write(chart, againstFrames
        ? String.format(Locale.ROOT, "bench model: %s%s", first.preset(),
            batchSizes.size() > 1 ? "" : ", batch " + first.batchSize())
        : String.format(Locale.ROOT, "bench model: %s, %d frames, q_v %.2f", first.preset(), first.frames(),
            first.keepRate()));
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
