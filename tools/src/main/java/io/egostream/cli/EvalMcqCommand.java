package io.egostream.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.data.EgoMcqJson;
import io.egostream.data.McqQuestion;
import io.egostream.data.McqType;
import io.egostream.data.ReadResult;
import io.egostream.eval.FrameShuffle;
import io.egostream.eval.McqEvaluator;
import io.egostream.eval.McqReport;
import io.egostream.eval.McqResults;
import io.egostream.eval.ModelVariant;
import io.egostream.eval.VideoFolderClipSource;
import io.egostream.model.ShippedModel;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream eval-mcq}: EgoMCQ accuracy of a model, inter-video and intra-video. */
@Command(
    name = "eval-mcq",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Evaluate a model on EgoMCQ questions (egomcq.json layout): for each question, embed the narration and the "
            + "five choice clips and pick the most similar clip.",
        "Prints inter-video (types 1) and intra-video (types 2) accuracy, counts, a per-verb breakdown and the "
            + "questions skipped with their reasons (missing or corrupt video, clip outside its video, malformed "
            + "record); a bad question never stops the evaluation."
    })
final class EvalMcqCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder (config.json, model.safetensors, vocab.txt; default: the trained model shipped in "
          + "the jar).")
  Path modelDir;

  @Option(names = "--egomcq", required = true, paramLabel = "FILE",
      description = "Questions: egomcq.json or a gen-data egomcq_{val,test}.json.")
  Path egomcq;

  @Option(names = "--videos", required = true, paramLabel = "DIR",
      description = "Folder of videos named <video_uid>.mp4 (or .mkv, .webm, .mov, .avi).")
  Path videos;

  @Option(names = "--dense", description = "Run the same weights dense: full attention, no token pruning.")
  boolean dense;

  @Option(names = "--keep-rate", paramLabel = "Q[,Q...]", split = ",",
      description = {
          "Token keep rate q_v instead of the model's.",
          "Several, comma-separated, are evaluated in one pass over the same questions, each clip decoded once: a "
              + "table row, or a JSON line, each."
      })
  List<Float> keepRates;

  @Option(names = "--frames", paramLabel = "T",
      description = "Frames per clip instead of the model's (its time positions are resampled).")
  Integer frames;

  @Option(names = "--shuffle-frames",
      description = "Permute each clip's frames (seeded, never the identity): the temporal-reasoning check.")
  boolean shuffleFrames;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
      description = "Seed of --shuffle-frames' permutations (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
      description = "Clips per model call, across questions (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N well-formed questions.")
  Integer limit;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--json", description = "Print one JSON object (a line per q_v with several) instead of a table.")
  boolean json;

  @Option(names = "--answers", paramLabel = "FILE",
      description = "Also write every scored question to FILE, one JSON object a line: its narration, the choice "
          + "picked and each choice's score (for error analysis); one q_v's answers, so not with several "
          + "--keep-rate values.")
  Path answers;

  @Option(names = "--chart", paramLabel = "FILE",
      description = "Also draw a PNG chart there: inter-video and intra-video accuracy against q_v (a point per "
          + "--keep-rate value).")
  Path chart;

  @Override
  public Integer call() throws IOException {
    ModelVariant variant = variant();
    if (answers != null && keepRates != null && keepRates.size() > 1) {
      throw usage("Option '--answers' writes one q_v's answers: give one --keep-rate value, not " + keepRates);
    }
    Device selected = EvalOptionChecks.check(spec, batchSize, limit, videos, device, "--answers", answers);
    EvalOptionChecks.checkFolder(spec, "--chart", chart);
    ReadResult<McqQuestion> file = EgoMcqJson.read(egomcq);
    List<McqQuestion> questions = limit == null ? file.items()
        : file.items().subList(0, Math.min(limit, file.items().size()));
    try (SvittEgo model = variant.load(modelDir != null ? modelDir : ShippedModel.folder(), selected);
        VideoFolderClipSource source = new VideoFolderClipSource(videos, model.config().frames(),
            model.config().imageSize())) {
      List<Float> rates = keepRates != null ? keepRates : List.of(model.config().keepRate());
      McqEvaluator evaluator = new McqEvaluator(source, rates.stream().map(q -> McqEvaluator.Embedder.of(model, q))
          .toList(), batchSize, shuffleFrames ? new FrameShuffle(seed) : null);
      ProgressLine progress =
          new ProgressLine(spec.commandLine().getErr(), "eval-mcq:", "questions", System.console() != null);
      List<McqResults> results = evaluator.evaluateEach(questions, file.rejected(), progress::update);
      double seconds = progress.elapsedSeconds();
      int itemsInFile = file.items().size() + file.rejected().size();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        for (int i = 0; i < rates.size(); i++) {
          out.println(McqReport.json(results.get(i), setup(model, itemsInFile, rates.get(i)), seconds));
        }
      } else if (rates.size() == 1) {
        McqReport.text(results.get(0), setup(model, itemsInFile, rates.get(0)), seconds, out);
      } else {
        McqReport.textPerKeepRate(rates, results, setup(model, itemsInFile, null), seconds, out);
      }
      if (answers != null) {
        writeAnswers(results.get(0));
      }
      if (chart != null) {
        writeChart(rates, results, model);
        if (!json) {
          out.println("chart of accuracy against q_v: " + chart);
        }
      }
      out.flush();
    }
    return 0;
  }

  /** The model variant the options ask for, each --keep-rate value checked as the only one would be. */
  private ModelVariant variant() {
    try {
      for (Float q : keepRates != null ? keepRates : List.<Float>of()) {
        new ModelVariant(dense, q, frames);
      }
      // The folder's q_v stays in the config: each embedder passes its own per call, so one model serves them all.
      return new ModelVariant(dense, null, frames);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage() + " (options --dense, --keep-rate, --frames)");
    }
  }

  private void writeChart(List<Float> rates, List<McqResults> results, SvittEgo model) throws IOException {
    LineChart accuracy = new LineChart("token keep rate q_v", "accuracy (%)", null);
    for (int i = 0; i < rates.size(); i++) {
      for (McqType type : McqType.values()) {
        Double percent = results.get(i).tally(type).accuracy();
        accuracy.left(type == McqType.INTER_VIDEO ? "inter-video" : "intra-video", rates.get(i),
            percent == null ? Double.NaN : percent);
      }
    }
    accuracy.write(chart, String.format(Locale.ROOT, "EgoMCQ accuracy against q_v: %s, %d frames%s, %d questions",
        model.modelId(), model.config().frames(), shuffleFrames ? " shuffled" : "", results.get(0).answeredCount()));
  }

  private void writeAnswers(McqResults results) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(answers)) {
      for (ObjectNode line : McqReport.answers(results)) {
        w.write(line.toString());
        w.newLine();
      }
    }
  }

  /** What was evaluated; {@code keepRate} null leaves the q_v out (the table of several gives a row to each). */
  private Map<String, Object> setup(SvittEgo model, int itemsInFile, Float keepRate) {
    SvittConfig config = model.config();
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("model", model.modelId());
    setup.put("egomcq", egomcq.toString());
    setup.put("items_in_file", itemsInFile);
    setup.put("frames", config.frames());
    setup.put("sparse_attention", config.sparseAttention());
    if (keepRate != null) {
      setup.put("keep_rate", keepRate);
    }
    setup.put("shuffle_frames", shuffleFrames);
    if (shuffleFrames) {
      setup.put("seed", seed);
    }
    return setup;
  }

  private ParameterException usage(String message) {
    return EvalOptionChecks.usage(spec, message);
  }
}
