package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench soak} runs briefly end to end (broker, job, wearables, hostile records, queries) and prints its
 * figures: samples with throughput, checkpoints and memory, then the flatness summary. The few hostile records of 30 s
 * at 0.2 a second are of the first kinds (random and truncated records), which the job has always dead-lettered: the
 * storm test is where every kind is checked.
 */
class BenchSoakCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aShortSoakPrintsSamplesAndASummary() throws Exception {
    CommandRun run = new CommandRun();
    int code = run.run("bench", "soak", "--minutes", "0.5", "--every", "5s", "--devices", "2", "--fps", "4",
        "--hostile-per-second", "0.2", "--json");
    assertEquals(0, code, run.err());

    List<JsonNode> lines = new ArrayList<>();
    for (String line : run.out().split("\n")) {
      if (line.startsWith("{")) {
        lines.add(JSON.readTree(line));
      }
    }
    List<JsonNode> samples = lines.stream().filter(l -> l.has("framesPerSecond")).toList();
    assertTrue(samples.size() >= 4, "a sample every 5 s of 30: " + run.out());
    JsonNode last = samples.get(samples.size() - 1);
    assertTrue(samples.stream().allMatch(s -> s.get("residentBytes").asLong() > 0 && s.get("heapUsedBytes")
        .asLong() > 0), run.out());
    assertTrue(samples.stream().anyMatch(s -> s.get("framesPerSecond").asDouble() > 0), run.out());
    assertTrue(last.get("checkpoints").asLong() >= 1, "checkpoints are read from the REST API: " + run.out());
    assertTrue(last.get("checkpointBytes").asLong() > 0, run.out());

    JsonNode summary = lines.get(lines.size() - 1);
    assertEquals(samples.size(), summary.get("samples").asInt(), run.out());
    for (String series : List.of("resident_memory", "checkpoint_size")) {
      assertTrue(summary.get(series).get("mean").asDouble() > 0, run.out());
      assertTrue(summary.get(series).has("slope_per_min") && summary.get(series).has("flat"), run.out());
    }
  }
}
