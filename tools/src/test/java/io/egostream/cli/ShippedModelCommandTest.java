package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trained model shipped in the jar is what {@code eval-mcq} runs without {@code --model}, and it has learned: on
 * recordings it never saw (another seed of the world), it answers far above chance.
 */
class ShippedModelCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Chance is 20 %: a model that has learned nothing reaches 50 % of these 72 inter-video questions with probability
   * about 1e-8. The shipped model scores 97.2 % on them (96.0 % on the 593 of the full held-out test split).
   */
  private static final double INTER_AT_LEAST = 50;

  @Test
  void evalMcqRunsTheShippedModelByDefaultAndItBeatsChanceOnUnseenRecordings(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("unseen");
    CommandRun gen = new CommandRun();
    assertEquals(0, gen.run("gen-data", "--out", data.toString(), "--recordings", "8", "--seed", "77",
        "--split-fractions", "0.125,0.125,0.75"), gen.err());

    CommandRun run = new CommandRun();
    assertEquals(0, run.run("eval-mcq", "--egomcq", data.resolve("egomcq_test.json").toString(), "--videos",
        data.resolve("videos").toString(), "--json"), run.err());

    JsonNode report = JSON.readTree(run.out());
    assertEquals("svitt-ego-tiny:tiny-synthetic", report.get("setup").get("model").asText(), report.toString());
    JsonNode inter = report.get("inter_video");
    assertEquals(72, inter.get("count").asInt(), inter.toString());
    assertTrue(inter.get("accuracy").asDouble() >= INTER_AT_LEAST, inter.toString());
  }
}
