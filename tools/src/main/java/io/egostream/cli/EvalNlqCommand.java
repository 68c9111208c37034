package io.egostream.cli;

import ai.djl.Device;
import io.egostream.data.EgoNlqJson;
import io.egostream.data.NlqQuery;
import io.egostream.data.ReadResult;
import io.egostream.eval.McqEvaluator;
import io.egostream.eval.NlqEvaluator;
import io.egostream.eval.NlqMethod;
import io.egostream.eval.NlqReport;
import io.egostream.eval.NlqResults;
import io.egostream.eval.VideoFolderClipSource;
import io.egostream.model.ShippedModel;
import io.egostream.model.SvittEgo;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.moments.MomentRules;
import io.egostream.video.ClipSampling;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream eval-nlq}: Ego4D Natural Language Queries recall of moment retrieval. */
@Command(
    name = "eval-nlq",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Evaluate moment retrieval on Ego4D NLQ queries (nlq_val.json layout): search each query within its clip "
            + "as the live job searches a device's clips, and score the predicted moments as Ego4D's evaluator does.",
        "Prints R@1 and R@5 at IoU 0.3 and 0.5 (IoU strictly greater), mean IoU of the first prediction, a "
            + "per-verb breakdown and the queries skipped with their reasons."
    })
final class EvalNlqCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--nlq", required = true, paramLabel = "FILE",
      description = "Queries: Ego4D's nlq_val.json or a gen-data nlq_{val,test}.json.")
  Path nlq;

  @Option(names = "--videos", required = true, paramLabel = "DIR",
      description = "Folder of videos named <clip_uid>.mp4, or <video_uid>.mp4 holding the clips' ranges (or .mkv, "
          + ".webm, .mov, .avi).")
  Path videos;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder (default: the trained model shipped in the jar).")
  Path modelDir;

  @Option(names = "--method", defaultValue = "refined", split = ",", paramLabel = "M",
      description = {
          "windows (the stream's clips, the baseline), moments (merged by temporal NMS), refined (best moment "
              + "re-embedded over ranges around it) or rerank (refined, re-ordered by the ITM head) (default: "
              + "${DEFAULT-VALUE}).",
          "Several, comma-separated, are evaluated in one pass (a table, or a JSON line, each)."
      })
  List<String> method;

  @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
      description = "Clips per model call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N well-formed queries.")
  Integer limit;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Option(names = "--predictions", paramLabel = "FILE",
      description = "Also write Ego4D's NLQ challenge prediction file (five moments per query) to FILE.")
  Path predictions;

  @Override
  public Integer call() throws IOException {
    Set<NlqMethod> chosen = methods();
    if (predictions != null && chosen.size() != 1) {
      throw usage("Option '--predictions' writes one method's predictions: give one --method, not " + method);
    }
    Device selected = EvalOptionChecks.check(spec, batchSize, limit, videos, device, "--predictions", predictions);
    ReadResult<NlqQuery> file = EgoNlqJson.read(nlq);
    List<NlqQuery> queries = limit == null ? file.items()
        : file.items().subList(0, Math.min(limit, file.items().size()));
    try (SvittEgo model = SvittEgo.load(modelDir != null ? modelDir : ShippedModel.folder(), selected);
        VideoFolderClipSource source = new VideoFolderClipSource(videos, model.config().frames(),
            model.config().imageSize())) {
      // The job's default clips: what a moment query searches on a live stream.
      ClipSampling sampling = new ClipSampling(ClipSettings.LENGTH_MS.defaultValue() / 1000.0,
          ClipSettings.STRIDE_MS.defaultValue() / 1000.0, model.config().frames());
      MomentRules rules = MomentRules.DEFAULTS;
      NlqEvaluator evaluator = new NlqEvaluator(source, McqEvaluator.Embedder.of(model),
          NlqEvaluator.Matcher.of(model), sampling, rules, batchSize);
      Map<String, Object> setup = new LinkedHashMap<>();
      setup.put("model", model.modelId());
      setup.put("nlq", nlq.toString());
      setup.put("clip_seconds", sampling.clipSeconds());
      setup.put("stride_seconds", sampling.strideSeconds());
      setup.put("nms_iou", rules.nmsIou());
      setup.put("refine_candidates", rules.refineCandidates());
      setup.put("max_extra_clips", rules.maxExtraClips());
      ProgressLine progress =
          new ProgressLine(spec.commandLine().getErr(), "eval-nlq:", "queries", System.console() != null);
      Map<NlqMethod, NlqResults> results = evaluator.evaluate(queries, file.rejected(), chosen, progress::update);
      double seconds = progress.elapsedSeconds();
      PrintWriter out = spec.commandLine().getOut();
      results.forEach((m, r) -> {
        if (json) {
          out.println(NlqReport.json(r, m, setup, seconds));
        } else {
          NlqReport.text(r, m, setup, seconds, out);
        }
      });
      out.flush();
      if (predictions != null) {
        Files.writeString(predictions, NlqReport.predictions(results.values().iterator().next()).toString());
      }
    }
    return 0;
  }

  private Set<NlqMethod> methods() {
    Set<NlqMethod> methods = EnumSet.noneOf(NlqMethod.class);
    for (String name : method) {
      NlqMethod found = Arrays.stream(NlqMethod.values()).filter(m -> m.key().equals(name.strip())).findFirst()
          .orElseThrow(() -> usage("Invalid value " + name + " for option '--method': use windows, moments, refined "
              + "or rerank"));
      methods.add(found);
    }
    return methods;
  }

  private ParameterException usage(String message) {
    return EvalOptionChecks.usage(spec, message);
  }
}
