package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.Query;
import io.egostream.simulate.WearableSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The sinks' delivery guarantees ({@code sink.answers.delivery-guarantee}, {@code sink.embeddings.delivery-guarantee})
 * on a running job whose first checkpoint is a minute away: exactly-once (the default) keeps an MCQ answer or a clip
 * embedding from read_committed consumers until a checkpoint commits it, at-least-once lets them read it at once. That
 * no checkpoint has completed yet is shown by the other sink, left exactly-once: written (read_uncommitted sees it) but
 * not committed.
 */
class DeliveryGuaranteeEndToEndTest {
  private static final long START = System.currentTimeMillis() / 4000 * 4000 - 60_000;
  private static final long CHECKPOINT_INTERVAL_MS = 60_000;

  @Test
  void exactlyOnceAnswersWaitForTheCheckpointsCommit() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      answerOneMcq(kafka, new Configuration(), written -> {
        assertEquals(Answer.Status.OK, written.get(0).getStatus(), written.get(0).toString());
        assertEquals(List.of(),
            answers(TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofSeconds(1))),
            "an exactly-once answer is readable by read_committed consumers only after a checkpoint");
        assertNoCheckpointCommitted(kafka);
      });
    }
  }

  @Test
  void atLeastOnceAnswersAreReadableBeforeAnyCheckpoint() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE, "at-least-once");
      answerOneMcq(kafka, conf, written -> {
        // Not in a transaction: read_committed consumers (Flink's, the console's) read it as soon as it is written.
        List<Answer> committed =
            answers(TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofSeconds(1)));
        assertEquals(1, committed.size(), "answers read_committed before any checkpoint: " + committed);
        assertEquals("mcq-1", committed.get(0).getQueryId());
        assertEquals(Answer.Status.OK, committed.get(0).getStatus(), committed.get(0).toString());
        assertNoCheckpointCommitted(kafka);
      });
    }
  }

  @Test
  void atLeastOnceEmbeddingsAreReadableBeforeAnyCheckpoint() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.EMBEDDINGS_DELIVERY_GUARANTEE, "at-least-once");
      answerOneMcq(kafka, conf, written -> {
        List<ConsumerRecord<byte[], byte[]>> embeddings =
            TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(1));
        assertTrue(!embeddings.isEmpty(), "embeddings read_committed before any checkpoint");
        // The exactly-once answer, written but not committed: no checkpoint has completed.
        assertEquals(List.of(),
            answers(TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofSeconds(1))),
            "a checkpoint completed during the test: it can no longer tell the delivery guarantees apart");
      });
    }
  }

  /**
   * Runs the job with {@code conf} and a checkpoint interval of a minute, sends two wearables' frames and an MCQ over
   * them, and once a read_uncommitted consumer reads an answer, gives {@code check} the answers it read, with the job
   * still running.
   */
  private static void answerOneMcq(EmbeddedKafka kafka, Configuration conf, Check check) throws Exception {
    kafka.createEgoStreamTopics(2);
    conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS);
    // Its own group id, so its own transactional id prefixes: with these jobs cancelled before their first checkpoint,
    // the next job in this JVM with the same prefixes (another test's, on the default group id) failed to start
    // ("Found duplicate transactionalIdPrefix").
    conf.set(EgoStreamOptions.GROUP_ID, "delivery-" + UUID.randomUUID());
    // Flink starts the first checkpoint at a random time between the minimum pause and the interval: with no pause one
    // could complete within the test (it did once, failing it). With the pause at the interval it comes at 60 s.
    conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofMillis(CHECKPOINT_INTERVAL_MS));
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    try (KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      JobClient job = TestKafka.startJob(conf, false, "egostream-answers-delivery-test");
      try {
        new WearableSimulator(2, 5, START, 14_000, 128, 96, 4, 4).run(false,
            (device, batch) -> TestKafka.send(producer, EgoStreamTopics.FRAMES, device, batch.toByteArray()));
        McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C moves the cup to the left");
        for (int i = 0; i < 5; i++) {
          // Ranges the watermark passes before the stream stops (it stalls 2 s behind the last frame).
          mcq.addChoices(ClipRange.newBuilder().setDeviceId("wearable-01")
              .setStartMs(START + 500 + 1_500 * i).setEndMs(START + 4_500 + 1_500 * i));
        }
        Query query = Query.newBuilder().setQueryId("mcq-1").setMcq(mcq).setSentTimeMs(System.currentTimeMillis())
            .build();
        TestKafka.send(producer, EgoStreamTopics.QUERIES, query.getQueryId(), query.toByteArray());
        long deadline = System.currentTimeMillis() + 45_000;
        while (true) {
          List<Answer> written =
              answers(TestKafka.readUncommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofMillis(500)));
          if (!written.isEmpty()) {
            assertEquals("mcq-1", written.get(0).getQueryId());
            check.accept(written);
            return;
          }
          assertTrue(System.currentTimeMillis() < deadline, "no answer written within 45 s");
          Thread.sleep(500);
        }
      } finally {
        job.cancel().get();
      }
    }
  }

  private interface Check {
    void accept(List<Answer> written) throws Exception;
  }

  /** The exactly-once embeddings were written but none committed: no checkpoint has completed. */
  private static void assertNoCheckpointCommitted(EmbeddedKafka kafka) {
    assertTrue(!TestKafka.readUncommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofMillis(500)).isEmpty(),
        "embeddings written");
    assertEquals(0, TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofMillis(500)).size(),
        "a checkpoint completed during the test: it can no longer tell the delivery guarantees apart");
  }

  private static List<Answer> answers(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
    List<Answer> answers = new ArrayList<>();
    for (var r : records) {
      answers.add(Answer.parseFrom(r.value()));
    }
    return answers;
  }
}
