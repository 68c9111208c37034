package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench model} with lists of frames and batch sizes, on the tiny preset with one timed pass a mode. */
class BenchModelCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aListOfFramesRunsOnceEachAtItsCurriculumKeepRateAndChartsThem(@TempDir Path dir) throws Exception {
    Path chart = dir.resolve("frames.png");
    CommandRun run = tiny("--frames", "4,5", "--json", "--chart", chart.toString());

    JsonNode printed = JSON.readTree(run.out());
    List<JsonNode> runs = StreamSupport.stream(printed.get("runs").spliterator(), false).toList();
    assertEquals(List.of(4, 5), runs.stream().map(r -> r.get("frames").asInt()).toList(), run.out());
    assertEquals(List.of(0.7, 0.6), runs.stream().map(r -> Math.round(r.get("keep_rate").asDouble() * 100) / 100.0)
        .toList(), "each frame count at its own curriculum q_v");
    for (JsonNode r : runs) {
      assertEquals(1, r.get("batch_size").asInt(), r.toString());
      assertTrue(r.get("sparse").get("clips_per_second").asDouble() > 0, r.toString());
      assertTrue(r.get("dense").get("clips_per_second").asDouble() > 0, r.toString());
      assertEquals(r.get("sparse").get("clips_per_second").asDouble() / r.get("dense").get("clips_per_second")
          .asDouble(), r.get("speedup").asDouble(), 1e-9, r.toString());
    }
    assertEquals(chart.toString(), printed.get("chart").asText());
    ChartFiles.assertPng(chart);
  }

  @Test
  void aListOfBatchSizesPrintsEachRunsBlockThenASummary(@TempDir Path dir) throws Exception {
    Path chart = dir.resolve("batch.png");
    CommandRun run = tiny("--frames", "2", "--batch-size", "1,2", "--sparse", "--chart", chart.toString());

    String out = run.out();
    assertTrue(out.contains("SViTT-Ego tiny, 2 frames, q_v 0.70, batch 1;")
        && out.contains("SViTT-Ego tiny, 2 frames, q_v 0.70, batch 2;"), out);
    List<String> summary = out.lines().dropWhile(l -> !l.startsWith("frames")).toList();
    assertEquals(3, summary.size() - 1, "a header, a row per run, the chart line: " + out);
    assertTrue(summary.get(1).matches(" +2 +0\\.70 +1 +[0-9.]+ +- +-"), summary.get(1));
    assertTrue(summary.get(2).matches(" +2 +0\\.70 +2 +[0-9.]+ +- +-"), summary.get(2));
    assertEquals("chart of clips/s against batch size: " + chart, summary.get(3));
    ChartFiles.assertPng(chart);
  }

  @Test
  void oneCombinationPrintsTodaysObjectAndStillCharts(@TempDir Path dir) throws Exception {
    Path chart = dir.resolve("one.png");
    CommandRun run = tiny("--frames", "2", "--dense", "--json", "--chart", chart.toString());

    JsonNode r = JSON.readTree(run.out());
    assertFalse(r.has("runs"), run.out());
    assertEquals(2, r.get("frames").asInt());
    assertFalse(r.has("sparse") || r.has("speedup"), run.out());
    assertTrue(r.get("dense").get("clips_per_second").asDouble() > 0, run.out());
    ChartFiles.assertPng(chart);
  }

  /** {@code bench model} of the tiny preset, one timed pass a mode, with {@code args}; it must succeed. */
  private static CommandRun tiny(String... args) {
    CommandRun run = new CommandRun();
    String[] all = Stream.concat(Stream.of("bench", "model", "--preset", "tiny", "--iterations", "1"),
        Arrays.stream(args)).toArray(String[]::new);
    assertEquals(0, run.run(all), run.err());
    return run;
  }

  @Test
  void badListValuesAreRefusedByValueBeforeAnyRun() {
    CommandRun frames = new CommandRun();
    assertEquals(2, frames.run("bench", "model", "--preset", "tiny", "--frames", "4,0"));
    assertTrue(frames.err().contains("Invalid value 0 for frames"), frames.err());
    CommandRun batch = new CommandRun();
    assertEquals(2, batch.run("bench", "model", "--preset", "tiny", "--batch-size", "1,0"));
    assertTrue(batch.err().contains("Invalid batch size 0"), batch.err());
    CommandRun word = new CommandRun();
    assertEquals(2, word.run("bench", "model", "--preset", "tiny", "--batch-size", "1,many"));
    assertTrue(word.err().contains("many"), word.err());
    assertTrue(frames.out().isEmpty() && batch.out().isEmpty(), "nothing ran: " + frames.out() + batch.out());
  }
}
