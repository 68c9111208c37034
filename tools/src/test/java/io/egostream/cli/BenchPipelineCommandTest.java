package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench pipeline} runs briefly end to end (broker, job, wearables, questions, a read_committed consumer, then
 * the model alone) and prints one JSON object whose figures fit together. No timing is asserted.
 */
class BenchPipelineCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aShortRunPrintsConsistentFigures() throws Exception {
    CommandRun run = new CommandRun();
    int code = run.run("bench", "pipeline", "--devices", "2", "--duration", "15s", "--preset", "tiny", "--json");
    assertEquals(0, code, run.err());
    JsonNode r = JSON.readTree(run.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

    assertEquals(2, r.get("devices").asInt(), run.out());
    assertEquals("tiny", r.get("preset").asText(), run.out());
    assertEquals(4, r.get("frames").asInt(), run.out());
    assertTrue(r.get("sparse").asBoolean(), run.out());
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
  }
}
