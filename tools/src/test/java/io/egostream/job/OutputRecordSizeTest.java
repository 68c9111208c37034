package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.operators.kafka.DeadLetterSerializer;
import io.egostream.operators.query.AnswerSerializer;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.DeadLetter;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The largest query a producer can send (16 MiB: a 7 MB key, a 9 MB query id) makes a 23 MB dead letter and an 18 MB
 * answer when echoed whole; as the sinks serialize them, a real broker with EgoStream's topics takes both.
 */
class OutputRecordSizeTest {

  @Test
  void theDeadLetterAndErrorAnswerOfTheLargestQueryAreAcceptedByTheBroker() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      kafka.createEgoStreamTopics(1);
      String id = "q".repeat(9_000_000);
      byte[] key = new byte[7_000_000];
      byte[] value = Query.newBuilder().setQueryId(id).setMoment(MomentQuery.newBuilder().setText("x")).build()
          .toByteArray();
      producer.send(new ProducerRecord<>(EgoStreamTopics.QUERIES, key, value)).get(); // a legal input

      RawRecord raw = new RawRecord(EgoStreamTopics.QUERIES, 0, 0, 1_000, key, value, 1_000);
      DeadLetterRecord rejected = new DeadLetterRecord(raw, "query_id is 9000000 bytes, more than "
          + "limits.query-id.max-bytes (256)", 2_000);
      producer.send(new DeadLetterSerializer(EgoStreamTopics.DEADLETTER, EgoStreamTopics.MAX_RECORD_BYTES)
          .serialize(rejected, null, null)).get();
      AnswerRecord error = new AnswerRecord(id, AnswerRecord.Kind.MOMENT, AnswerRecord.Status.ERROR,
          "invalid query: " + rejected.reason, 1_000, 2_000);
      producer.send(new AnswerSerializer(EgoStreamTopics.ANSWERS, EgoStreamTopics.MAX_RECORD_BYTES)
          .serialize(error, null, null)).get();

      List<ConsumerRecord<byte[], byte[]>> letters =
          TestKafka.readCommitted(kafka, EgoStreamTopics.DEADLETTER, Duration.ofSeconds(5));
      assertEquals(1, letters.size());
      DeadLetter letter = DeadLetter.parseFrom(letters.get(0).value());
      assertTrue(letter.getTruncated());
      assertEquals(value.length, letter.getOriginalValueSize());
      assertEquals(rejected.reason, letter.getReason());
      List<ConsumerRecord<byte[], byte[]>> answers =
          TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofSeconds(5));
      assertEquals(1, answers.size());
      Answer answer = Answer.parseFrom(answers.get(0).value());
      assertTrue(answer.getTruncated());
      assertEquals(Answer.Status.ERROR, answer.getStatus());
    }
  }
}
