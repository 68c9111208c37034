package io.egostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real broker: records through it, transactions, ports and folders. One broker shared, a few of their own. */
class EmbeddedKafkaTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start(0, null);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void createsEgoStreamTopicsWithTheirPartitionsAndSizeLimit() throws Exception {
    Map<String, Integer> topics = kafka.createEgoStreamTopics(3);

    assertEquals(EgoStreamTopics.ALL, List.copyOf(topics.keySet()));
    assertEquals(3, topics.get(EgoStreamTopics.FRAMES));
    assertEquals(1, topics.get(EgoStreamTopics.ANSWERS));
    // Again: existing topics are kept, not an error.
    assertEquals(topics, kafka.createEgoStreamTopics(3));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      ConfigResource frames = new ConfigResource(ConfigResource.Type.TOPIC, EgoStreamTopics.FRAMES);
      Config config = admin.describeConfigs(List.of(frames)).all().get().get(frames);
      assertEquals(Integer.toString(EgoStreamTopics.MAX_BATCH_BYTES),
          config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
    }
  }

  @Test
  void carriesA2MbFrameBatchToAReadCommittedConsumer() {
    String topic = newTopic(2);
    FrameBatch sent = frameBatch("glasses-0042", 2, 1024 * 1024);
    assertTrue(sent.getSerializedSize() > 2_000_000, "the batch must exceed Kafka's 1 MB defaults");

    try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
      producer.send(new ProducerRecord<>(topic, utf8(sent.getDeviceId()), sent.toByteArray())).get();
    } catch (Exception e) {
      throw new AssertionError("send failed", e);
    }

    List<ConsumerRecord<byte[], byte[]>> received = consume(topic, "read_committed", 1);
    assertEquals(1, received.size());
    assertEquals("glasses-0042", new String(received.get(0).key(), StandardCharsets.UTF_8));
    assertEquals(sent, parse(received.get(0).value()));
  }

  @Test
  void readCommittedConsumersSeeCommittedTransactionsOnly() throws Exception {
    String topic = newTopic(1);
    Map<String, Object> transactional = Map.of(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-" + UUID.randomUUID(),
        // What Flink's exactly-once KafkaSink asks for by default; Kafka's stock broker refuses more than 15 min.
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Duration.ofHours(1).toMillis());
    try (KafkaProducer<byte[], byte[]> producer = producer(transactional)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, utf8("k"), utf8("aborted"))).get();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, utf8("k"), utf8("committed"))).get();
      producer.commitTransaction();
    }

    assertEquals(List.of("committed"), values(consume(topic, "read_committed", 1)));
    // The aborted record is in the log all the same; only the isolation level hides it.
    assertEquals(List.of("aborted", "committed"), values(consume(topic, "read_uncommitted", 2)));
  }

  @Test
  void twoBrokersInOneJvmKeepTheirOwnPortsAndDataAndCloseReleasesPortAndFolder() throws Exception {
    EmbeddedKafka second = EmbeddedKafka.start(0, null);
    int port = second.port();
    Path dir = second.dataDir();
    try {
      assertNotEquals(kafka.port(), port);
      assertNotEquals(kafka.dataDir(), dir);
      String onlyOnSecond = "only-on-second-" + UUID.randomUUID();
      second.createTopics(List.of(EgoStreamTopics.newTopic(onlyOnSecond, 1, (short) 1)));
      try (Admin first = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertFalse(first.listTopics().names().get().contains(onlyOnSecond));
      }
    } finally {
      second.close();
    }
    second.close(); // twice is fine

    assertFalse(Files.exists(dir), "a temporary folder is deleted");
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(EmbeddedKafka.HOST))) {
      assertEquals(port, socket.getLocalPort(), "the port is free again");
    }
    // The first broker is unharmed by the second one's shutdown.
    assertEquals(1, kafka.createTopics(List.of(EgoStreamTopics.newTopic("after-second", 1, (short) 1)))
        .get("after-second"));
  }

  @Test
  void aPortInUseIsNamedInTheError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafka.HOST))) {
      BindException e = assertThrows(BindException.class, () -> EmbeddedKafka.start(taken.getLocalPort(), null));
      assertTrue(e.getMessage().contains("Port " + taken.getLocalPort() + " on 127.0.0.1 is in use"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> EmbeddedKafka.start(65_536, null));
  }

  @Test
  void aDataFolderKeepsTopicsAndRecordsAcrossRestarts(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    try (EmbeddedKafka first = EmbeddedKafka.start(0, data)) {
      first.createEgoStreamTopics(2);
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(first, Map.of()))) {
        producer.send(new ProducerRecord<>(EgoStreamTopics.QUERIES, utf8("q1"), utf8("kept"))).get();
      }
    }
    assertTrue(Files.exists(data.resolve("meta.properties")), "a given folder stays");

    try (EmbeddedKafka second = EmbeddedKafka.start(0, data)) {
      assertEquals(2, second.createEgoStreamTopics(5).get(EgoStreamTopics.FRAMES), "existing topics are kept");
      assertEquals(List.of("kept"), values(consume(second, EgoStreamTopics.QUERIES, "read_committed", 1)));
    }
  }

  @Test
  void refusesAFolderThatHoldsSomethingElse(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "not Kafka");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddedKafka.start(0, dir));
    assertTrue(e.getMessage().contains("not a Kafka data folder"), e.getMessage());
  }

  private static String newTopic(int partitions) {
    String name = "test-" + UUID.randomUUID();
    kafka.createTopics(List.of(EgoStreamTopics.newTopic(name, partitions, (short) 1)));
    return name;
  }

  private static FrameBatch frameBatch(String deviceId, int frames, int jpegBytes) {
    Random random = new Random(42);
    FrameBatch.Builder batch = FrameBatch.newBuilder().setDeviceId(deviceId).setSessionId("session-1");
    for (int i = 0; i < frames; i++) {
      byte[] jpeg = new byte[jpegBytes]; // incompressible, like a real JPEG
      random.nextBytes(jpeg);
      batch.addFrames(Frame.newBuilder()
          .setCaptureTimeMs(1_700_000_000_000L + 33L * i)
          .setSequence(i)
          .setJpeg(ByteString.copyFrom(jpeg))
          .setWidth(1920)
          .setHeight(1080));
    }
    return batch.build();
  }

  private static FrameBatch parse(byte[] value) {
    try {
      return FrameBatch.parseFrom(value);
    } catch (Exception e) {
      throw new AssertionError("not a FrameBatch", e);
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
    return new KafkaProducer<>(producerConfig(kafka, extra));
  }

  private static Map<String, Object> producerConfig(EmbeddedKafka broker, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.putAll(extra);
    return config;
  }

  private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, String isolation, int atLeast) {
    return consume(kafka, topic, isolation, atLeast);
  }

  /**
   * Reads every partition of the topic from the start until {@code atLeast} records came, then polls once more to
   * catch unexpected extra ones. Assigned partitions, no consumer group: nothing here is about groups.
   */
  private static List<ConsumerRecord<byte[], byte[]>> consume(EmbeddedKafka broker, String topic, String isolation,
      int atLeast) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (records.size() < atLeast && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }

  private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
