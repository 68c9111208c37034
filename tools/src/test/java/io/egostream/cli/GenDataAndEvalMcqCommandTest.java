package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.data.EgoClipCsv;
import io.egostream.data.EgoMcqJson;
import io.egostream.data.EgoNlqJson;
import io.egostream.data.GenDataSettings;
import io.egostream.data.McqQuestion;
import io.egostream.data.McqType;
import io.egostream.data.NarratedClip;
import io.egostream.data.SyntheticDataset;
import io.egostream.data.SyntheticRecording;
import io.egostream.eval.FrameShuffle;
import io.egostream.eval.McqEvaluator;
import io.egostream.eval.McqResults;
import io.egostream.eval.ModelVariant;
import io.egostream.eval.VideoFolderClipSource;
import io.egostream.model.RgbFrame;
import io.egostream.model.SvittEgo;
import io.egostream.model.TestModels;
import io.egostream.train.EgoClipTrainingData;
import io.egostream.video.VideoClipReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gen-data on a tiny scale, then eval-mcq on its test split with an untrained micro model. */
class GenDataAndEvalMcqCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** 7 recordings: 1 train, 1 val, 5 test (inter-video questions need 5 recordings in the split). */
  private static final GenDataSettings SETTINGS =
      new GenDataSettings(7, 5, List.of(0.15, 0.15, 0.7), 0, 4, 6, 64, 48, 4);

  @TempDir static Path dir;
  static Path data;
  static Path model;

  @BeforeAll
  static void generate() throws IOException {
    data = dir.resolve("synth");
    CommandRun run = new CommandRun();
    int exit = run.run("gen-data", "--out", data.toString(), "--recordings", "7", "--actions", "6", "--seed", "5",
        "--split-fractions", "0.15,0.15,0.7", "--size", "64x48", "--fps", "4");
    assertEquals(0, exit, run.err());
    assertTrue(run.err().contains("rendered 7/7 videos"), run.err());
    model = dir.resolve("micro-model");
    try (SvittEgo m = SvittEgo.initialize(TestModels.micro(), 0, Device.cpu())) {
      m.save(model);
    }
  }

  @Test
  void trainFineTunesOnTheTrainSplitAndResumes() throws IOException {
    Path out = dir.resolve("training");
    CommandRun run = new CommandRun();
    String[] args = {"train", "--data", data.toString(), "--out", out.toString(), "--init", model.toString(),
        "--steps", "2", "--batch-size", "4", "--learning-rate", "5e-4", "--adam-beta2", "0.95",
        "--position-lr-scale", "5", "--reversed-negatives", "2", "--order-from-step", "1", "--dense-every", "2",
        "--dense-from-step", "1", "--checkpoint-every", "1", "--validate-every", "1", "--val-questions", "3"};
    assertEquals(0, run.run(args), run.err());
    assertTrue(run.err().contains("step 2/2"), run.err());
    JsonNode recorded = JSON.readTree(out.resolve("checkpoint-00000002/trainer-state.json").toFile()).get("training");
    assertEquals(5e-4, recorded.get("learningRate").asDouble());
    assertEquals(0.95, recorded.get("adamBeta2").asDouble());
    assertEquals(5.0, recorded.get("positionRateScale").asDouble());
    assertEquals(2, recorded.get("reversedNegatives").asInt());
    assertEquals(1, recorded.get("orderFromStep").asInt());
    assertEquals(2, recorded.get("denseEvery").asInt());
    assertEquals(1, recorded.get("denseFromStep").asInt());
    assertTrue(run.err().contains("validation at step 2: "), run.err());
    List<String> validations = Files.readAllLines(out.resolve("validation.jsonl"));
    assertEquals(2, validations.size(), validations.toString());
    JsonNode last = JSON.readTree(validations.get(1));
    assertEquals(2, last.get("step").asInt());
    assertEquals(3, last.get("inter_video").get("count").asInt() + last.get("intra_video").get("count").asInt()
        + last.get("skipped").asInt(), last.toString());
    assertTrue(Files.isRegularFile(out.resolve("checkpoint-00000002/model.safetensors")));
    try (SvittEgo trained = SvittEgo.load(out.resolve("checkpoint-00000002"), Device.cpu())) {
      assertEquals(2, trained.config().frames());
    }

    Path exported = dir.resolve("exported");
    CommandRun again = new CommandRun();
    String[] exportArgs = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
        "--export", exported.toString(), "--export-frames", "4", "--export-keep-rate", "0.5")).toArray(String[]::new);
    assertEquals(0, again.run(exportArgs), again.err());
    assertTrue(again.err().contains("resuming from") && !again.err().contains("step 1/2"), again.err());
    assertTrue(again.out().contains("exported as float16 for 4 frames at q_v 0.5 to " + exported), again.out());
    assertTrue(Files.size(exported.resolve("model.safetensors"))
        < 0.55 * Files.size(out.resolve("checkpoint-00000002/model.safetensors")));
    try (SvittEgo checkpoint = SvittEgo.load(out.resolve("checkpoint-00000002"), Device.cpu());
        SvittEgo half = SvittEgo.load(exported, Device.cpu())) {
      assertTrue(half.config().trained());
      assertEquals(checkpoint.config().toBuilder().frames(4).keepRate(0.5f).build(), half.config(),
          "trained at 2 frames, exported to run at 4 and q_v 0.5");
      float[] a = checkpoint.embedTexts(List.of("#C C opens the box")).get(0).vector();
      float[] b = half.embedTexts(List.of("#C C opens the box")).get(0).vector();
      assertTrue(SvittEgo.cosine(a, b) > 0.999, "text embedding cosine " + SvittEgo.cosine(a, b));
    }
  }

  /** Scene-aware negatives: a clip's neighbours are the two clips before and after it in its own video. */
  @Test
  void trainingNeighboursAreNearbyClipsOfTheSameVideo() throws IOException {
    Path csv = data.resolve("egoclip_test.csv");
    List<NarratedClip> rows = EgoClipCsv.read(csv).items();
    try (EgoClipTrainingData samples = EgoClipTrainingData.read(csv, data.resolve("videos"), 64, line -> { })) {
      assertEquals(rows.size(), samples.size());
      for (int i = 0; i < rows.size(); i++) {
        Set<Integer> expected = new HashSet<>();
        for (int j = 0; j < rows.size(); j++) {
          boolean sameVideo = rows.get(j).videoUid().equals(rows.get(i).videoUid());
          if (j != i && sameVideo && Math.abs(j - i) <= 2) { // gen-data writes each video's rows in time order
            expected.add(j);
          }
        }
        Set<Integer> actual = new HashSet<>();
        Arrays.stream(samples.neighbours(i)).forEach(actual::add);
        assertEquals(expected, actual, "neighbours of row " + i);
      }
    }
  }

  @Test
  void videosAreReadableAndShowTheRecording() throws IOException {
    for (SyntheticRecording r : SyntheticDataset.plan(SETTINGS)) {
      try (VideoClipReader reader = VideoClipReader.open(data.resolve("videos/" + r.videoUid() + ".mp4"))) {
        assertEquals(64, reader.info().width());
        assertEquals(48, reader.info().height());
        assertEquals(r.recording().durationMs() / 1000.0, reader.info().durationSeconds(), 0.3, r.videoUid());
        RgbFrame decoded = reader.clip(2.0, 2.5, 1).clip().frames().get(0);
        RgbFrame rendered = r.recording().frame(2000, 64, 48);
        assertTrue(meanAbsoluteDifference(decoded, rendered) < 12, "frame at 2 s of " + r.videoUid());
      }
    }
  }

  @Test
  void csvRowsAreTheRecordingsActions() throws IOException {
    List<NarratedClip> expected = new ArrayList<>();
    List<NarratedClip> read = new ArrayList<>();
    for (String split : List.of("train", "val", "test")) {
      read.addAll(EgoClipCsv.read(data.resolve("egoclip_" + split + ".csv")).items());
    }
    List<SyntheticRecording> plan = SyntheticDataset.plan(SETTINGS);
    plan.stream().sorted((a, b) -> a.split().compareTo(b.split())).forEach(r -> expected.addAll(r.clips()));
    assertEquals(expected, read);
    assertEquals(7 * 6, read.size());
    SyntheticRecording first = plan.get(0);
    io.egostream.world.Recording.Action action = first.recording().actions().get(0);
    NarratedClip row = first.clip(action);
    assertEquals(List.of(action.verb().tag()), row.tagVerb());
    assertEquals(List.of(action.noun()), row.tagNoun());
    assertEquals(action.narration(), row.clipText());
    assertEquals(action.startMs() / 1000.0, row.clipStart());
  }

  @Test
  void questionsPointAtTheRightClipWithTheRightType() throws IOException {
    List<McqQuestion> questions = EgoMcqJson.read(data.resolve("egomcq_test.json")).items();
    Set<String> testVideos = new HashSet<>();
    SyntheticDataset.plan(SETTINGS).stream().filter(r -> r.split().fileKey().equals("test"))
        .forEach(r -> testVideos.add(r.videoUid()));
    assertTrue(questions.stream().anyMatch(q -> q.type() == McqType.INTER_VIDEO));
    assertTrue(questions.stream().anyMatch(q -> q.type() == McqType.INTRA_VIDEO));
    for (McqQuestion q : questions) {
      assertEquals(q.query(), q.choices().get(q.answer()));
      Set<String> videos = new HashSet<>();
      q.choices().forEach(c -> videos.add(c.videoUid()));
      assertTrue(testVideos.containsAll(videos), "choices only from held-out test recordings");
      assertEquals(q.type() == McqType.INTER_VIDEO ? 5 : 1, videos.size(), q.key() + " " + q.type());
    }
  }

  @Test
  void evalMcqReportsAccuracyAndSkipsBadQuestionsWithReasons() throws IOException {
    ObjectNode file = (ObjectNode) JSON.readTree(data.resolve("egomcq_test.json").toFile());
    ObjectNode small = JSON.createObjectNode();
    for (int i = 0; i < 6; i++) {
      small.set(String.valueOf(i), file.get(String.valueOf(i)));
    }
    ((ObjectNode) small.get("1").get("choices").get("2")).put("video_uid", "no-such-video");
    ((ObjectNode) small.get("2").get("choices").get("3")).put("clip_start", 9999.0).put("clip_end", 10001.0);
    small.putObject("6").put("query", 5);
    Path questions = dir.resolve("small.json");
    JSON.writeValue(questions.toFile(), small);

    CommandRun run = new CommandRun();
    int exit = run.run("eval-mcq", "--model", model.toString(), "--egomcq", questions.toString(), "--videos",
        data.resolve("videos").toString(), "--batch-size", "4", "--json");

    assertEquals(0, exit, run.err());
    JsonNode report = JSON.readTree(run.out());
    assertEquals(4, report.get("inter_video").get("count").asInt() + report.get("intra_video").get("count").asInt());
    for (String type : List.of("inter_video", "intra_video")) {
      JsonNode t = report.get(type);
      assertTrue(t.get("count").asInt() == 0 ? t.get("accuracy").isNull() : t.get("accuracy").isNumber(), type);
    }
    JsonNode skipped = report.get("skipped");
    assertEquals(3, skipped.get("count").asInt());
    assertEquals(JSON.readTree("{\"missing_video\": 1, \"clip_outside_video\": 1, \"malformed_record\": 1}"),
        skipped.get("reasons"));
    assertEquals("1", findSkip(skipped, "missing_video").get("key").asText());
    assertEquals("2", findSkip(skipped, "clip_outside_video").get("key").asText());
    assertTrue(findSkip(skipped, "missing_video").get("detail").asText().contains("no-such-video.mp4"));
    assertTrue(report.get("per_verb").size() > 0);
    assertTrue(report.get("per_verb").elements().next().has("intra_video"));
    assertTrue(report.get("setup").get("sparse_attention").asBoolean());
  }

  @Test
  void evalNlqScoresEveryMethodInOnePassAndWritesEgo4dPredictions() throws IOException {
    Path nlq = data.resolve("nlq_test.json");
    int queries = EgoNlqJson.read(nlq).items().size();
    assertTrue(queries >= 5, "gen-data wrote " + queries + " NLQ queries for 5 test recordings of 6 actions");
    assertEquals(queries, JSON.readTree(data.resolve("gen-data.json").toFile()).get("test").get("nlq_queries").asInt());
    CommandRun run = new CommandRun();
    int exit = run.run("eval-nlq", "--model", model.toString(), "--nlq", nlq.toString(), "--videos",
        data.resolve("videos").toString(), "--method", "windows,moments,refined,rerank", "--limit", "4", "--json");

    assertEquals(0, exit, run.err());
    List<JsonNode> reports = new ArrayList<>();
    for (String line : run.out().strip().split("\n")) {
      reports.add(JSON.readTree(line));
    }
    assertEquals(List.of("windows", "moments", "refined", "rerank"), reports.stream().map(r -> r.get("method")
        .asText()).toList());
    for (JsonNode r : reports) {
      assertEquals(4, r.get("count").asInt(), r.toString());
      assertEquals(0, r.get("skipped").asInt(), r.toString());
      for (String key : List.of("r1_iou0.3", "r1_iou0.5", "r5_iou0.3", "r5_iou0.5")) {
        double recall = r.get("recall").get(key).asDouble();
        assertTrue(recall >= 0 && recall <= 100, r.toString());
      }
      assertTrue(r.get("recall").get("r5_iou0.3").asDouble() >= r.get("recall").get("r1_iou0.3").asDouble());
      assertTrue(r.has("mean_iou") && r.has("seconds"), r.toString());
    }
    assertTrue(reports.get(2).get("refine_clips_per_query").asDouble() > 0, reports.get(2).toString());

    Path predictions = dir.resolve("nlq-predictions.json");
    CommandRun one = new CommandRun();
    assertEquals(0, one.run("eval-nlq", "--model", model.toString(), "--nlq", nlq.toString(), "--videos",
        data.resolve("videos").toString(), "--method", "moments", "--limit", "2", "--predictions",
        predictions.toString()), one.err());
    assertTrue(one.out().contains("method moments") && one.out().contains("R@1 0.3"), one.out());
    JsonNode file = JSON.readTree(predictions.toFile());
    assertEquals("1.0", file.get("version").asText());
    assertEquals(2, file.get("results").size());
    JsonNode first = file.get("results").get(0);
    assertEquals(EgoNlqJson.read(nlq).items().get(0).annotationUid(), first.get("annotation_uid").asText());
    assertEquals(0, first.get("query_idx").asInt());
    assertTrue(first.get("predicted_times").size() >= 1 && first.get("predicted_times").size() <= 5);
    assertEquals(2, first.get("predicted_times").get(0).size());

    CommandRun bad = new CommandRun();
    assertEquals(2, bad.run("eval-nlq", "--nlq", nlq.toString(), "--videos", data.resolve("videos").toString(),
        "--method", "best"));
    assertTrue(bad.err().contains("Invalid value best for option '--method'"), bad.err());
  }

  @Test
  void denseAndTextOutputAndAnswers() throws IOException {
    Path answers = dir.resolve("answers.jsonl");
    CommandRun run = new CommandRun();
    int exit = run.run("eval-mcq", "--model", model.toString(), "--egomcq", data.resolve("egomcq_test.json").toString(),
        "--videos", data.resolve("videos").toString(), "--dense", "--frames", "3", "--limit", "3", "--answers",
        answers.toString());

    assertEquals(0, exit, run.err());
    assertTrue(run.out().contains("inter-video"), run.out());
    assertTrue(run.out().contains("intra-video"), run.out());
    assertTrue(run.out().contains("sparse_attention=false"), run.out());
    assertTrue(run.out().contains("frames=3"), run.out());
    assertTrue(run.out().contains("3 questions answered"), run.out());

    List<McqQuestion> asked = EgoMcqJson.read(data.resolve("egomcq_test.json")).items();
    List<String> lines = Files.readAllLines(answers);
    assertEquals(3, lines.size(), lines.toString());
    for (String l : lines) {
      JsonNode a = JSON.readTree(l);
      McqQuestion q = asked.stream().filter(x -> x.key().equals(a.get("key").asText())).findFirst().orElseThrow();
      assertEquals(q.query().clipText(), a.get("query").asText());
      assertEquals(q.type().code(), a.get("type").asInt());
      assertEquals(q.answer(), a.get("answer").asInt());
      JsonNode choices = a.get("choices");
      assertEquals(5, choices.size());
      int best = 0;
      for (int c = 0; c < choices.size(); c++) {
        assertEquals(q.choices().get(c).clipText(), choices.get(c).get("clip_text").asText());
        best = choices.get(c).get("score").asDouble() > choices.get(best).get("score").asDouble() ? c : best;
      }
      assertEquals(best, a.get("chosen").asInt(), "the chosen choice is the best scored: " + l);
      assertEquals(best == q.answer(), a.get("right").asBoolean(), l);
    }
  }

  @Test
  void shuffledFramesChangeTheScores() throws IOException {
    List<McqQuestion> questions = EgoMcqJson.read(data.resolve("egomcq_test.json")).items().subList(0, 4);
    try (SvittEgo m = SvittEgo.load(model, Device.cpu());
        VideoFolderClipSource source = new VideoFolderClipSource(data.resolve("videos"), 2, 64)) {
      McqResults plain = new McqEvaluator(source, McqEvaluator.Embedder.of(m), 8, null)
          .evaluate(questions, List.of(), (d, t) -> { });
      McqResults shuffled = new McqEvaluator(source, McqEvaluator.Embedder.of(m), 8, new FrameShuffle(1))
          .evaluate(questions, List.of(), (d, t) -> { });
      McqResults again = new McqEvaluator(source, McqEvaluator.Embedder.of(m), 3, null)
          .evaluate(questions, List.of(), (d, t) -> { });

      assertEquals(4, plain.answers().size());
      for (int i = 0; i < 4; i++) {
        float[] a = plain.answers().get(i).scores();
        assertFalse(Arrays.equals(a, shuffled.answers().get(i).scores()), "question " + i);
        assertArrayEquals(a, again.answers().get(i).scores(), "batching does not change scores");
      }
    }
  }

  /**
   * One pass at several keep rates scores each question as a model loaded at that q_v does, and the keep rate
   * matters (so the first assertion could fail).
   */
  @Test
  void severalKeepRatesInOnePassScoreAsModelsLoadedAtEach() throws IOException {
    List<McqQuestion> questions = EgoMcqJson.read(data.resolve("egomcq_test.json")).items().subList(0, 4);
    try (SvittEgo m = SvittEgo.load(model, Device.cpu());
        VideoFolderClipSource source = new VideoFolderClipSource(data.resolve("videos"), 2, 64)) {
      List<McqResults> each = new McqEvaluator(source, List.of(McqEvaluator.Embedder.of(m, 0.9f),
          McqEvaluator.Embedder.of(m, 0.3f)), 8, null).evaluateEach(questions, List.of(), (d, t) -> { });
      for (int k = 0; k < 2; k++) {
        float q = k == 0 ? 0.9f : 0.3f;
        try (SvittEgo atQ = new ModelVariant(false, q, null).load(model, Device.cpu())) {
          McqResults alone = new McqEvaluator(source, McqEvaluator.Embedder.of(atQ), 8, null)
              .evaluate(questions, List.of(), (d, t) -> { });
          for (int i = 0; i < 4; i++) {
            assertArrayEquals(alone.answers().get(i).scores(), each.get(k).answers().get(i).scores(), "q_v " + q);
          }
        }
      }
      assertFalse(Arrays.equals(each.get(0).answers().get(0).scores(), each.get(1).answers().get(0).scores()),
          "q_v 0.9 and 0.3 keep different tokens of the micro model");
    }
  }

  @Test
  void evalMcqPrintsALineOrRowPerKeepRateAndChartsThem() throws IOException {
    String questions = data.resolve("egomcq_test.json").toString();
    String videos = data.resolve("videos").toString();
    Path chart = dir.resolve("mcq-keep-rates.png");
    CommandRun list = new CommandRun();
    assertEquals(0, list.run("eval-mcq", "--model", model.toString(), "--egomcq", questions, "--videos", videos,
        "--limit", "6", "--keep-rate", "0.9,0.5", "--json", "--chart", chart.toString()), list.err());
    List<JsonNode> lines = new ArrayList<>();
    for (String line : list.out().strip().split("\n")) {
      lines.add(JSON.readTree(line));
    }
    assertEquals(List.of(0.9, 0.5), lines.stream().map(l -> l.get("setup").get("keep_rate").asDouble()).toList());
    ChartFiles.assertPng(chart);

    CommandRun single = new CommandRun();
    assertEquals(0, single.run("eval-mcq", "--model", model.toString(), "--egomcq", questions, "--videos", videos,
        "--limit", "6", "--keep-rate", "0.5", "--json"), single.err());
    JsonNode alone = JSON.readTree(single.out());
    for (String field : List.of("inter_video", "intra_video", "answered", "skipped", "per_verb", "setup")) {
      assertEquals(alone.get(field), lines.get(1).get(field), field);
    }

    CommandRun table = new CommandRun();
    assertEquals(0, table.run("eval-mcq", "--model", model.toString(), "--egomcq", questions, "--videos", videos,
        "--limit", "2", "--keep-rate", "0.9,0.5", "--chart", chart.toString()), table.err());
    assertTrue(table.out().lines().anyMatch(l -> l.startsWith("  0.90 ")), table.out());
    assertTrue(table.out().lines().anyMatch(l -> l.startsWith("  0.50 ")), table.out());
    assertFalse(table.out().contains("keep_rate="), "the setup line leaves q_v to the rows: " + table.out());
    assertTrue(table.out().contains("2 questions answered at each of 2 keep rates"), table.out());
    assertTrue(table.out().contains("chart of accuracy against q_v: " + chart), table.out());
  }

  @Test
  void evalMcqRefusesABadKeepRateInAListByValue() {
    String questions = data.resolve("egomcq_test.json").toString();
    String videos = data.resolve("videos").toString();
    CommandRun range = new CommandRun();
    assertEquals(2, range.run("eval-mcq", "--egomcq", questions, "--videos", videos, "--keep-rate", "0.9,1.5"));
    assertTrue(range.err().contains("Invalid value 1.5 for keep rate: must be in (0, 1]"), range.err());
    CommandRun dense = new CommandRun();
    assertEquals(2, dense.run("eval-mcq", "--egomcq", questions, "--videos", videos, "--dense", "--keep-rate",
        "1,0.5"));
    assertTrue(dense.err().contains("Invalid value 0.5 for keep rate: dense evaluation keeps every token"),
        dense.err());
    CommandRun answers = new CommandRun();
    assertEquals(2, answers.run("eval-mcq", "--egomcq", questions, "--videos", videos, "--keep-rate", "0.9,0.5",
        "--answers", dir.resolve("a.jsonl").toString()));
    assertTrue(answers.err().contains("Option '--answers' writes one q_v's answers: give one --keep-rate value, "
        + "not [0.9, 0.5]"), answers.err());
    CommandRun word = new CommandRun();
    assertEquals(2, word.run("eval-mcq", "--egomcq", questions, "--videos", videos, "--keep-rate", "0.9,half"));
    assertTrue(word.err().contains("half"), word.err());
  }

  private static void assertArrayEquals(float[] expected, float[] actual, String message) {
    assertEquals(expected.length, actual.length, message);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-4, message);
    }
  }

  private static JsonNode findSkip(JsonNode skipped, String reason) {
    for (JsonNode item : skipped.get("items")) {
      if (item.get("reason").asText().equals(reason)) {
        return item;
      }
    }
    throw new AssertionError("no skipped item for " + reason + " in " + skipped);
  }

  private static double meanAbsoluteDifference(RgbFrame a, RgbFrame b) {
    assertNotNull(a);
    long sum = 0;
    for (int i = 0; i < a.rgb().length; i++) {
      sum += Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff));
    }
    return (double) sum / a.rgb().length;
  }
}
