package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * One query whose text has no tokens (a lone control character) used to fail the text-embedding task, and with it
 * the job, on every restart: here the job runs with restarts disabled, so one failure would end it.
 */
class PoisonQueryEndToEndTest {

  @Test
  void aTextWithoutTokensIsAnsweredErrorAndTheNextQueryIsAnswered() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      kafka.createEgoStreamTopics(2);
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 300L);
      conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      JobClient job = TestKafka.startJob(conf, false, "egostream-poison-query-test");
      try {
        query(producer, "poison-1", "\u0001");
        Thread.sleep(2_000); // the poison's batch has run (batch.max-wait.ms is 200 ms) before the good query comes
        query(producer, "good-1", "c picks up the cup");

        Map<String, Answer> answers = awaitAnswers(kafka, job, Set.of("poison-1", "good-1"), Duration.ofSeconds(90));

        Answer poison = answers.get("poison-1");
        assertEquals(Answer.Status.ERROR, poison.getStatus(), poison.toString());
        assertEquals(Answer.Kind.MOMENT, poison.getKind());
        assertTrue(poison.getReason().startsWith("invalid query: text cannot be embedded: "), poison.getReason());
        Answer good = answers.get("good-1");
        assertEquals(Answer.Status.OK, good.getStatus(), good.toString());
        assertEquals(Answer.Kind.MOMENT, good.getKind());
        assertEquals(JobStatus.RUNNING, job.getJobStatus().get(), "restarts are disabled: a failure ends the job");
      } finally {
        job.cancel().get();
      }
    }
  }

  private static void query(KafkaProducer<byte[], byte[]> producer, String id, String text) throws Exception {
    Query q = Query.newBuilder().setQueryId(id).setSentTimeMs(System.currentTimeMillis())
        .setMoment(MomentQuery.newBuilder().setText(text).setTopK(3)).build();
    TestKafka.send(producer, EgoStreamTopics.QUERIES, id, q.toByteArray());
  }

  /** The first committed answer of each id in {@code ids}; fails as soon as the job is no longer running. */
  private static Map<String, Answer> awaitAnswers(EmbeddedKafka kafka, JobClient job, Set<String> ids,
      Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      Map<String, Answer> byId = new HashMap<>();
      for (var r : TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofMillis(500))) {
        Answer a = Answer.parseFrom(r.value());
        byId.putIfAbsent(a.getQueryId(), a);
      }
      if (byId.keySet().containsAll(ids)) {
        return byId;
      }
      JobStatus status = job.getJobStatus().get();
      assertEquals(JobStatus.RUNNING, status, "the job stopped; answers so far: " + byId.keySet());
      assertTrue(System.currentTimeMillis() < deadline, "answers so far: " + byId.keySet() + ", waiting for " + ids);
      Thread.sleep(500);
    }
  }
}
