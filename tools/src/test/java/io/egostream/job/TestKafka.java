package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients for the end-to-end tests: what an outside producer and a read_committed consumer see. */
public final class TestKafka {
  private TestKafka() {}

  /**
   * The job on the broker {@code conf} names, on a local Flink cluster at parallelism 2 with the job's checkpoints,
   * started; it reads its topics from their current ends on only when {@code bounded}.
   */
  public static JobClient startJob(Configuration conf, boolean bounded, String name) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    EgoStreamJob.configureCheckpoints(env, conf);
    EgoStreamJob.buildOnKafka(env, conf, JobSettings.from(conf, 2), bounded);
    return env.executeAsync(name);
  }

  public static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.putAll(kafka.clientProperties());
    config.put("bootstrap.servers", kafka.bootstrapServers());
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  public static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  /** Everything committed to {@code topic} so far, read until polls stay empty for {@code quiet}. */
  public static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafka kafka, String topic, Duration quiet) {
    return read(kafka, topic, "read_committed", quiet);
  }

  /**
   * Everything written to {@code topic} so far, in open transactions too (what a plain consumer with Kafka's default
   * read_uncommitted sees), read until polls stay empty for {@code quiet}.
   */
  public static List<ConsumerRecord<byte[], byte[]>> readUncommitted(EmbeddedKafka kafka, String topic,
      Duration quiet) {
    return read(kafka, topic, "read_uncommitted", quiet);
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(EmbeddedKafka kafka, String topic, String isolation,
      Duration quiet) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        consumer(kafka, "test-" + topic + "-" + System.nanoTime(), isolation)) {
      consumer.subscribe(List.of(topic));
      long quietUntil = System.currentTimeMillis() + quiet.toMillis();
      while (System.currentTimeMillis() < quietUntil) {
        var polled = consumer.poll(Duration.ofMillis(250));
        if (!polled.isEmpty()) {
          polled.forEach(records::add);
          quietUntil = System.currentTimeMillis() + quiet.toMillis();
        }
      }
    }
    return records;
  }

  /**
   * Returns as soon as anything is committed to {@code topic}. One consumer, assigned its partitions rather than in a
   * group, polls every few milliseconds: a fresh group consumer per check takes long enough to join that a fast job
   * can finish in between.
   */
  static void awaitFirstCommitted(EmbeddedKafka kafka, String topic, Duration timeout) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka, null, "read_committed")) {
      consumer.assign(consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      while (consumer.poll(Duration.ofMillis(10)).isEmpty()) {
        assertTrue(System.currentTimeMillis() < deadline, "nothing committed to " + topic + " within " + timeout);
      }
    }
  }

  /** A read_committed consumer of {@code topic} from its start, assigned every partition (no group to join). */
  static KafkaConsumer<byte[], byte[]> committedFromStart(EmbeddedKafka kafka, String topic) {
    KafkaConsumer<byte[], byte[]> consumer = consumer(kafka, null, "read_committed");
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** A consumer from the earliest offset; {@code groupId} null for one assigned its partitions. */
  private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka, String groupId, String isolation) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.putAll(kafka.clientProperties());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    if (groupId != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
