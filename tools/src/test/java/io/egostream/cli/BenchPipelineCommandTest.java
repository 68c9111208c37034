package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench pipeline} runs briefly end to end (broker, job, wearables, questions, a read_committed consumer, then
 * the model alone) and prints one JSON object whose figures fit together. No timing is asserted.
 */
class BenchPipelineCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aShortRunPrintsConsistentFigures(@TempDir Path dir) throws Exception {
    CommandRun run = new CommandRun();
    Path chart = dir.resolve("run.png");
    int code = run.run("bench", "pipeline", "--devices", "2", "--duration", "15s", "--preset", "tiny", "--json",
        "--chart", chart.toString());
    assertEquals(0, code, run.err());
    JsonNode r = JSON.readTree(run.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

    assertEquals(2, r.get("devices").asInt(), run.out());
    assertEquals("tiny", r.get("preset").asText(), run.out());
    assertEquals(4, r.get("frames").asInt(), run.out());
    assertTrue(r.get("sparse").asBoolean(), run.out());
    assertEquals(0.7, r.get("keep_rate").asDouble(), 1e-6, run.out());
    assertTrue(r.get("clips").asLong() > 0 && r.get("clips_per_second").asDouble() > 0, run.out());
    assertTrue(r.get("frames_per_second").asDouble() > 0, run.out());
    assertTrue(r.get("mean_batch_size").asDouble() >= 1, "read from the job's metrics: " + run.out());
    assertTrue(r.get("standalone_clips_per_second").asDouble() > 0, run.out());
    assertEquals(r.get("clips_per_second").asDouble() / r.get("standalone_clips_per_second").asDouble(),
        r.get("overhead_ratio").asDouble(), 1e-9, run.out());
    assertTrue(r.get("cpu_cores_used").asDouble() > 0, run.out());
    for (String latencies : List.of("latency_ms", "embedding_latency_ms")) {
      JsonNode l = r.get(latencies);
      assertTrue(l.get("count").asInt() > 0, latencies + ": " + run.out());
      assertTrue(0 < l.get("p50").asLong() && l.get("p50").asLong() <= l.get("p95").asLong()
          && l.get("p95").asLong() <= l.get("p99").asLong(), latencies + ": " + run.out());
    }
    assertStagesAddUp(r.get("stage_ms"), List.of("watermark", "queue", "inference", "commit"),
        r.get("embedding_latency_ms"));
    assertStagesAddUp(r.get("answer_stage_ms"), List.of("ingest", "job", "commit"), r.get("latency_ms"));

    assertEquals(r.get("offered_clips_per_second").asDouble() - r.get("clips_per_second").asDouble(),
        r.get("backlog_clips_per_second").asDouble(), 1e-9, run.out());
    assertTrue(r.has("backlog_clips") && r.get("peak_rss_mb").asLong() > 0 && r.has("peak_heap_after_gc_mb")
        && r.get("wearables_lag_s").isNumber(), run.out());
    assertEquals(2 * 1000.0 / 2000, r.get("nominal_offered_clips_per_second").asDouble(), 1e-9, run.out());
    assertTrue(r.get("frame_ingest_ms").get("count").asInt() > 0, run.out());
    assertEquals(3000, r.get("p99_target_ms").asLong(), run.out());
    assertTrue(r.get("served").isBoolean(), run.out());
    JsonNode progress = r.get("progress");
    assertTrue(progress.size() >= 2, "a line every 5 s: " + run.out());
    for (JsonNode line : progress) {
      assertTrue(line.get("elapsed_s").asDouble() > 0 && line.has("clips_per_second")
          && line.has("offered_clips_per_second") && line.has("backlog_clips") && line.get("rss_mb").asLong() > 0
          && line.get("heap_after_gc_mb").asLong() >= 0
          && line.get("embedding_latency_ms").has("p99"), line.toString());
    }
    ChartFiles.assertPng(chart);
    assertEquals(chart.toString(), r.get("chart").asText(), run.out());
    assertEquals(progress.size(), run.err().lines().filter(l -> l.matches("\\[ *\\d+ s] embedded .*backlog.*"))
        .count(),
        "progress lines on standard error with --json: " + run.err());
  }

  @Test
  void aListOfDeviceCountsRunsOnceEachAndNamesTheMostServed(@TempDir Path dir) throws Exception {
    CommandRun run = new CommandRun();
    Path chart = dir.resolve("sweep.png");
    int code = run.run("bench", "pipeline", "--devices", "1,2", "--duration", "10s", "--p99-target", "20s",
        "--frames", "8", "--no-questions", "--json", "--chart", chart.toString());
    assertEquals(0, code, run.err());
    JsonNode r = JSON.readTree(run.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

    assertEquals(20_000, r.get("p99_target_ms").asLong(), run.out());
    JsonNode sweep = r.get("sweep");
    assertEquals(2, sweep.size(), run.out());
    int mostServed = 0;
    for (int i = 0; i < 2; i++) {
      JsonNode point = sweep.get(i);
      assertEquals(i + 1, point.get("devices").asInt(), run.out());
      assertEquals(8, point.get("frames").asInt(), run.out());
      assertEquals(0.6, point.get("keep_rate").asDouble(), 1e-6, "the curriculum's q_v at 8 frames: " + run.out());
      assertEquals(0, point.get("questions").asInt(), run.out());
      assertTrue(point.get("clips").asLong() > 0, run.out());
      if (point.get("served").asBoolean()) {
        mostServed = point.get("devices").asInt();
      }
    }
    assertEquals(mostServed, r.get("max_devices_served").asInt(), run.out());
    ChartFiles.assertPng(chart);
  }

  @Test
  void bothRunsTheSparseModelThenItsDenseBaselineAndChartsThemTogether(@TempDir Path dir) throws Exception {
    CommandRun run = new CommandRun();
    Path chart = dir.resolve("both.png");
    int code = run.run("bench", "pipeline", "--devices", "1", "--duration", "10s", "--no-questions", "--both",
        "--json", "--chart", chart.toString());
    assertEquals(0, code, run.err());
    JsonNode r = JSON.readTree(run.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

    JsonNode variants = r.get("variants");
    assertEquals(2, variants.size(), run.out());
    assertEquals("sparse", variants.get(0).get("variant").asText(), run.out());
    assertTrue(variants.get(0).get("sparse").asBoolean(), run.out());
    assertEquals("dense", variants.get(1).get("variant").asText(), run.out());
    assertFalse(variants.get(1).get("sparse").asBoolean(), run.out());
    for (JsonNode v : variants) {
      assertEquals(1, v.get("devices").asInt(), run.out());
      assertTrue(v.get("clips").asLong() > 0, run.out());
      assertTrue(v.get("progress").size() > 0, run.out());
    }
    assertEquals(chart.toString(), r.get("chart").asText());
    ChartFiles.assertPng(chart);
  }

  @Test
  void vsRunsAgainWithTheJobOptionsAddedAndNamesTheVariant() throws Exception {
    CommandRun run = new CommandRun();
    int code = run.run("bench", "pipeline", "--devices", "1", "--duration", "10s", "--no-questions",
        "--vs", "sink.embeddings.delivery-guarantee=at-least-once", "--json");
    assertEquals(0, code, run.err());
    JsonNode r = JSON.readTree(run.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

    JsonNode variants = r.get("variants");
    assertEquals(2, variants.size(), run.out());
    assertEquals("as configured", variants.get(0).get("variant").asText(), run.out());
    assertEquals("exactly-once", variants.get(0).get("embeddings_delivery_guarantee").asText(), run.out());
    assertEquals("sink.embeddings.delivery-guarantee=at-least-once", variants.get(1).get("variant").asText());
    assertEquals("at-least-once", variants.get(1).get("embeddings_delivery_guarantee").asText(), run.out());
    assertTrue(variants.get(1).get("clips").asLong() > 0, run.out());
  }

  @Test
  void bothWithVsAnUnknownVsOptionOrAChartInNoFolderIsRefusedBeforeAnyRun() {
    CommandRun both = new CommandRun();
    assertEquals(2, both.run("bench", "pipeline", "--both", "--vs", "inference.adaptive.enabled=true"));
    assertTrue(both.err().contains("--both with --vs"), both.err());
    CommandRun unknown = new CommandRun();
    assertEquals(2, unknown.run("bench", "pipeline", "--vs", "no.such.option=1"));
    assertTrue(unknown.err().contains("no.such.option"), unknown.err());
    CommandRun chartFolder = new CommandRun();
    assertEquals(2, chartFolder.run("bench", "pipeline", "--chart", "/no/such/folder/sweep.png"));
    assertTrue(chartFolder.err().contains("/no/such/folder"), chartFolder.err());
  }

  /**
   * Each stage is present, non-negative and ordered, counts the same readings as the total, and the stages' means add
   * up to the total's mean (each reading's stages add up to its latency).
   */
  private static void assertStagesAddUp(JsonNode stages, List<String> names, JsonNode total) {
    double sum = 0;
    for (String name : names) {
      JsonNode s = stages.get(name);
      assertTrue(s != null && 0 <= s.get("p50").asLong() && s.get("p50").asLong() <= s.get("p99").asLong()
          && s.get("mean").asDouble() >= 0, name + ": " + stages);
      assertEquals(total.get("count").asInt(), s.get("count").asInt(), name + ": " + stages);
      sum += s.get("mean").asDouble();
    }
    assertEquals(total.get("mean").asDouble(), sum, 1.0, stages + " against " + total);
  }
}
