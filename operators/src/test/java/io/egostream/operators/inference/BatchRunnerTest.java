package io.egostream.operators.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.egostream.model.SvittEgo;
import io.egostream.model.TextEmbedding;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The real model, made to fail by a real input: a text without tokens throws inside {@link SvittEgo#embedTexts}. */
class BatchRunnerTest {
  private static SvittEgo model;

  private final InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
  private final BatchRunner runner =
      new BatchRunner(metrics, "textsFailed", LoggerFactory.getLogger(BatchRunnerTest.class));

  @BeforeAll
  static void loadModel() throws Exception {
    model = TestClips.MODEL.load(Device.cpu());
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  @Test
  void aBatchTheModelFailsOnIsRunItemByItemAndOnlyTheCulpritFails() {
    List<String> texts = List.of("c opens the drawer", "\u0001", "c pours water");

    List<BatchRunner.Outcome<TextEmbedding>> outcomes = runner.run(texts, model::embedTexts, text -> "text");

    assertEquals(3, outcomes.size());
    assertFalse(outcomes.get(0).failed());
    assertArrayEquals(model.embedTexts(List.of(texts.get(0))).get(0).vector(), outcomes.get(0).output().vector(),
        1e-5f);
    assertTrue(outcomes.get(1).failed());
    assertNull(outcomes.get(1).output());
    assertTrue(outcomes.get(1).failure().startsWith("IllegalArgumentException: "), outcomes.get(1).failure());
    assertTrue(outcomes.get(1).failure().contains("no tokens"), outcomes.get(1).failure());
    assertArrayEquals(model.embedTexts(List.of(texts.get(2))).get(0).vector(), outcomes.get(2).output().vector(),
        1e-5f);
    assertEquals(1, counter("batchesRetried"));
    assertEquals(1, counter("textsFailed"));
    Histogram batchSize = (Histogram) metrics.get("batchSize");
    assertEquals(2, batchSize.getCount(), "the two model calls that returned, one item each");
    assertEquals(1, batchSize.getStatistics().getMax());
    assertEquals(2, ((Histogram) metrics.get("inferenceLatencyMs")).getCount());
  }

  @Test
  void aBatchTheModelTakesIsOneCall() {
    List<BatchRunner.Outcome<TextEmbedding>> outcomes =
        runner.run(List.of("c opens the drawer", "c pours water"), model::embedTexts, text -> "text");

    assertEquals(2, outcomes.stream().filter(o -> !o.failed()).count());
    assertEquals(0, counter("batchesRetried"));
    assertEquals(0, counter("textsFailed"));
    assertEquals(1, ((Histogram) metrics.get("batchSize")).getCount());
    assertEquals(2, ((Histogram) metrics.get("batchSize")).getStatistics().getMax());
  }

  @Test
  void aSingleItemThatFailsIsNotRunTwice() {
    List<String> calls = new ArrayList<>();
    List<BatchRunner.Outcome<TextEmbedding>> outcomes = runner.run(List.of("\u0001"), texts -> {
      calls.addAll(texts);
      return model.embedTexts(texts);
    }, text -> "text");

    assertTrue(outcomes.get(0).failed());
    assertEquals(1, calls.size());
    assertEquals(0, counter("batchesRetried"));
    assertEquals(1, counter("textsFailed"));
  }

  @Test
  void aModelThatReturnsTheWrongNumberOfResultsFailsThoseItems() {
    List<BatchRunner.Outcome<TextEmbedding>> outcomes =
        runner.run(List.of("c opens the drawer", "c pours water"), texts -> List.of(), text -> "text");

    assertEquals(2, outcomes.size());
    for (BatchRunner.Outcome<TextEmbedding> outcome : outcomes) {
      assertTrue(outcome.failed());
      assertEquals("IllegalStateException: the model returned 0 results for 1 inputs", outcome.failure());
    }
    assertEquals(1, counter("batchesRetried"));
    assertEquals(2, counter("textsFailed"));
  }

  @Test
  void aFailureReasonStaysShortWhateverTheModelSays() {
    String huge = "x".repeat(100_000);
    List<BatchRunner.Outcome<String>> outcomes = runner.run(List.of(huge), texts -> {
      throw new IllegalArgumentException("Invalid text " + texts.get(0));
    }, text -> "text");

    assertTrue(outcomes.get(0).failure().length() <= BatchRunner.MAX_FAILURE_CHARS, "" + outcomes.get(0).failure());
    assertTrue(outcomes.get(0).failure().endsWith("…"));
  }

  private long counter(String name) {
    return ((Counter) metrics.get(name)).getCount();
  }
}
