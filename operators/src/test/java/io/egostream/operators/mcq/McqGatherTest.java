package io.egostream.operators.mcq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.AnswerRecord.ChoiceSource;
import io.egostream.operators.records.AnswerRecord.Status;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.EmbeddedQuery;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class McqGatherTest {
  private static final long T0 = McqTestData.T0;
  private static final McqSettings SETTINGS = new McqSettings(5_000, 60_000, 3_600_000);

  private KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedQuery, ChoiceOutcome, AnswerRecord> harness;

  @BeforeEach
  void open() throws Exception {
    harness = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new McqGather(SETTINGS)),
        query -> query.query.queryId, outcome -> outcome.queryId, Types.STRING);
    harness.open();
    harness.setProcessingTime(T0);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void answersTheMomentTheLastChoiceArrivesWithTheArgmax() throws Exception {
    harness.processElement1(query("q1", 3), T0);
    for (int i = 0; i < 5; i++) {
      harness.processElement2(exact("q1", i, McqTestData.unit(i == 3 ? 3 : 10 + i)), T0);
    }
    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.OK, answer.status);
    assertEquals(3, answer.mcqChoice);
    assertArrayEquals(new float[] {0, 0, 0, 1, 0}, answer.mcqScores, 1e-6f);
    assertArrayEquals(new ChoiceSource[] {ChoiceSource.EXACT_RANGE, ChoiceSource.EXACT_RANGE,
        ChoiceSource.EXACT_RANGE, ChoiceSource.EXACT_RANGE, ChoiceSource.EXACT_RANGE}, answer.mcqSources);
    assertStateEmpty();
  }

  @Test
  void lostOutcomesAreMissingWhenTheSafetyTimerAnswers() throws Exception {
    harness.processElement1(query("q1", 1), T0);
    harness.processElement2(exact("q1", 0, McqTestData.unit(7)), T0);
    harness.processElement2(exact("q1", 1, McqTestData.unit(1)), T0);
    harness.processElement2(ChoiceOutcome.missing("q1", 4, "no frames; no stored clip"), T0);

    // Event time passing the choices means nothing: their clips may still be queued for inference.
    harness.processBothWatermarks(new Watermark(T0 + 1_000_000));
    assertEquals(List.of(), harness.extractOutputValues());
    long answerAt = SETTINGS.giveUpAtMs(query("q1", 1).query) + SETTINGS.safetyTimeoutMs();
    harness.setProcessingTime(answerAt - 1);
    assertEquals(List.of(), harness.extractOutputValues());
    harness.setProcessingTime(answerAt);
    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.PARTIAL, answer.status);
    assertEquals(1, answer.mcqChoice);
    assertEquals(1f, answer.mcqScores[1], 1e-6f);
    assertTrue(Float.isNaN(answer.mcqScores[2]) && Float.isNaN(answer.mcqScores[3])
        && Float.isNaN(answer.mcqScores[4]));
    assertArrayEquals(new ChoiceSource[] {ChoiceSource.EXACT_RANGE, ChoiceSource.EXACT_RANGE, ChoiceSource.MISSING,
        ChoiceSource.MISSING, ChoiceSource.MISSING}, answer.mcqSources);
    assertTrue(answer.reason.contains("choice 2: no clip by then"), answer.reason);
    assertTrue(answer.reason.contains("choice 4: no frames; no stored clip"), answer.reason);
    assertStateEmpty();
  }

  @Test
  void fiveMissingChoicesAnswerTimedOut() throws Exception {
    harness.processElement1(query("q1", 0), T0);
    for (int i = 0; i < 5; i++) {
      harness.processElement2(ChoiceOutcome.missing("q1", i, "gave up: no frames; no stored clip"), T0);
    }

    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.TIMED_OUT, answer.status);
    assertEquals(-1, answer.mcqChoice);
    for (int i = 0; i < 5; i++) {
      assertTrue(Float.isNaN(answer.mcqScores[i]));
      assertEquals(ChoiceSource.MISSING, answer.mcqSources[i]);
    }
    assertStateEmpty();
  }

  @Test
  void aQuerysOwnTimeoutReplacesTheDefault() throws Exception {
    EmbeddedQuery query = query("q1", 0);
    query.query.timeoutMs = 500;
    harness.processElement1(query, T0);
    harness.setProcessingTime(SETTINGS.giveUpAtMs(query.query) + SETTINGS.safetyTimeoutMs());
    assertEquals(Status.TIMED_OUT, onlyAnswer().status);
    assertTrue(SETTINGS.giveUpAtMs(query.query) < SETTINGS.giveUpAtMs(query("q2", 0).query));
  }

  @Test
  void whenEventTimeStallsTheSafetyTimerAnswers() throws Exception {
    harness.processElement1(query("q1", 0), T0);
    harness.processElement2(exact("q1", 0, McqTestData.unit(0)), T0);
    // max(ingest, latest end) + timeout + safety, when the clip builder gives up; one more margin for the outcomes
    long giveUpAt = SETTINGS.giveUpAtMs(query("q1", 0).query) + SETTINGS.safetyTimeoutMs();

    harness.setProcessingTime(giveUpAt - 1);
    assertEquals(List.of(), harness.extractOutputValues());
    harness.setProcessingTime(giveUpAt);

    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.PARTIAL, answer.status);
    assertEquals(0, answer.mcqChoice);
    assertTrue(answer.reason.startsWith("gave up waiting"), answer.reason);
    assertStateEmpty();
  }

  /** A timeout near Long.MAX_VALUE once wrapped the answer time around to the past: TIMED_OUT at once. */
  @Test
  void aHugeTimeoutDoesNotOverflowIntoAnAnswerAtOnce() throws Exception {
    EmbeddedQuery query = query("q1", 0);
    query.query.timeoutMs = Long.MAX_VALUE - T0;
    harness.processElement1(query, T0);
    harness.setProcessingTime(T0 + 24 * 3_600_000L);
    assertEquals(List.of(), harness.extractOutputValues(), "still waiting for its choices");
    assertEquals(1, harness.numProcessingTimeTimers());

    for (int i = 0; i < 5; i++) {
      harness.processElement2(exact("q1", i, McqTestData.unit(i)), T0);
    }
    assertEquals(Status.OK, onlyAnswer().status);
    assertStateEmpty();
  }

  @Test
  void outcomesThatOvertakeTheirQueryWaitForIt() throws Exception {
    for (int i = 0; i < 5; i++) {
      harness.processElement2(exact("q1", i, McqTestData.unit(i)), T0);
    }
    assertEquals(List.of(), harness.extractOutputValues());

    harness.processElement1(query("q1", 2), T0);
    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.OK, answer.status);
    assertEquals(2, answer.mcqChoice);
    assertStateEmpty();
  }

  @Test
  void anOutcomeWhoseQueryNeverComesIsDroppedAfterTheSafetyTimeout() throws Exception {
    harness.processElement2(exact("q-answered-long-ago", 0, McqTestData.unit(0)), T0);
    assertEquals(1, harness.numProcessingTimeTimers());

    harness.setProcessingTime(T0 + SETTINGS.safetyTimeoutMs());
    assertEquals(List.of(), harness.extractOutputValues());
    assertStateEmpty();
  }

  @Test
  void latencyRunsFromTheNewestIngestTheAnswerUses() throws Exception {
    harness.processElement1(query("q1", 0), T0); // ingested at T0 − 100
    for (int i = 0; i < 5; i++) {
      ChoiceOutcome outcome = exact("q1", i, McqTestData.unit(i));
      outcome.ingestTimeMs = T0 - 1_000 + i * 100; // the newest: T0 − 600
      harness.processElement2(outcome, T0);
    }
    harness.setProcessingTime(T0 + 250); // the answer went out at T0 (processing time when the last outcome came)
    AnswerRecord answer = onlyAnswer();
    assertEquals(T0, answer.answerTimeMs);
    assertEquals(100, answer.latencyMs, "from the query's ingest, newer than every clip");
  }

  @Test
  void aMalformedQueryIsAnsweredWithAnErrorAtOnce() throws Exception {
    EmbeddedQuery query = query("q1", 0);
    query.query.choiceEndsMs = new long[] {1, 2};
    harness.processElement1(query, T0);
    AnswerRecord answer = onlyAnswer();
    assertEquals(Status.ERROR, answer.status);
    assertEquals(-1, answer.mcqChoice);
    assertStateEmpty();
  }

  @Test
  void aChoiceWithAnEmptyRangeIsMissingFromTheStart() throws Exception {
    EmbeddedQuery query = query("q1", 1);
    query.query.choiceEndsMs[4] = query.query.choiceStartsMs[4];
    harness.processElement1(query, T0);
    for (int i = 0; i < 4; i++) {
      harness.processElement2(exact("q1", i, McqTestData.unit(i)), T0);
    }
    AnswerRecord answer = onlyAnswer(); // no need to wait for the deadline
    assertEquals(Status.PARTIAL, answer.status);
    assertEquals(1, answer.mcqChoice);
    assertTrue(answer.reason.contains("choice 4: invalid range"), answer.reason);
    assertStateEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** An MCQ whose narration embedding is unit vector {@code k}, 5 choices ending by T0 + 20 s, ingested T0 − 100. */
  private static EmbeddedQuery query(String id, int k) {
    return McqTestData.query(id, McqTestData.unit(k), new String[] {"g1", "g2", "g3", "g1", "g2"},
        new long[] {T0, T0 + 4_000, T0 + 8_000, T0 + 12_000, T0 + 16_000},
        new long[] {T0 + 4_000, T0 + 8_000, T0 + 12_000, T0 + 16_000, T0 + 20_000}, T0 - 100);
  }

  private static ChoiceOutcome exact(String queryId, int choice, float[] embedding) {
    EmbeddedClip clip = new EmbeddedClip("g1", "s", T0, T0 + 4_000, null, embedding, null, McqTestData.MODEL, T0);
    clip.requestQueryId = queryId;
    clip.requestChoice = choice;
    return ChoiceOutcome.exactRange(clip);
  }

  private AnswerRecord onlyAnswer() {
    List<AnswerRecord> answers = harness.extractOutputValues();
    assertEquals(1, answers.size(), "answers: " + answers);
    harness.getOutput().clear();
    return answers.get(0);
  }

  private void assertStateEmpty() {
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numEventTimeTimers());
    assertEquals(0, harness.numProcessingTimeTimers());
  }
}
