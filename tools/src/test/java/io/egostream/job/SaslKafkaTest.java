package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.cli.CommandRun;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.kafka.EmbeddedKafka.PlainUser;
import io.egostream.proto.v1.ClipEmbedding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job on a broker that takes SASL/PLAIN only: clients without the credentials are refused, and the job, given them
 * as {@code kafka.properties.*} options, reads frames and writes embeddings through every one of its clients (the
 * frames sent by the {@code simulate} command, given the same options).
 */
class SaslKafkaTest {
  private static final PlainUser USER = new PlainUser("egostream", "secret-" + System.nanoTime());

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start(0, null, USER);
    kafka.createEgoStreamTopics(2);
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  @Test
  void aClientWithoutTheCredentialsIsRefused() {
    Map<String, Object> plain = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(plain)) {
      // The broker closes a connection that skips the SASL handshake: the client never learns the topic's partitions.
      assertThrows(TimeoutException.class, () -> consumer.partitionsFor(EgoStreamTopics.FRAMES, Duration.ofSeconds(5)));
    }
    Map<String, Object> wrongPassword = new HashMap<>(plain);
    wrongPassword.putAll(kafka.clientProperties());
    wrongPassword.put("sasl.jaas.config", new PlainUser(USER.name(), "guessed").jaasConfig());
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(wrongPassword)) {
      assertThrows(SaslAuthenticationException.class,
          () -> consumer.partitionsFor(EgoStreamTopics.FRAMES, Duration.ofSeconds(30)));
    }
  }

  @Test
  void theJobGivenTheCredentialsAsKafkaPropertiesReadsFramesAndWritesEmbeddings() throws Exception {
    List<String> login = List.of("-D", "kafka.properties.security.protocol=SASL_PLAINTEXT",
        "-D", "kafka.properties.sasl.mechanism=PLAIN", "-D", "kafka.properties.sasl.jaas.config=" + USER.jaasConfig());
    // The frames come from the simulate command, logged in the same way.
    CommandRun simulate = new CommandRun();
    List<String> simulateArgs = new ArrayList<>(List.of("simulate", "--bootstrap-servers", kafka.bootstrapServers(),
        "--devices", "2", "--duration", "8s", "--fps", "4", "--size", "128x96", "--fast"));
    simulateArgs.addAll(login);
    assertEquals(0, simulate.run(simulateArgs.toArray(String[]::new)), simulate.err());

    List<String> jobArgs = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers(),
        "-D", "model.preset=tiny", "-D", "checkpoint.interval.ms=500"));
    jobArgs.addAll(login);
    Configuration conf = JobArguments.parse(jobArgs.toArray(String[]::new)).configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    EgoStreamJob.configureCheckpoints(env, conf);
    EgoStreamJob.buildOnKafka(env, conf, JobSettings.from(conf, 2), true);
    env.execute("egostream-sasl-test");

    Map<String, Set<Long>> clips = new HashMap<>();
    List<ConsumerRecord<byte[], byte[]>> records =
        TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(2));
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ClipEmbedding e = ClipEmbedding.parseFrom(r.value());
      assertTrue(clips.computeIfAbsent(e.getDeviceId(), d -> new TreeSet<>()).add(e.getStartMs()),
          "a clip is written once: " + e.getDeviceId() + " " + e.getStartMs());
    }
    assertEquals(new HashSet<>(List.of("wearable-00", "wearable-01")), clips.keySet(), clips.toString());
    assertTrue(clips.values().stream().allMatch(starts -> starts.size() >= 3),
        "8 s of frames make at least 3 clips a device: " + clips);
    assertEquals(List.of(), TestKafka.readCommitted(kafka, EgoStreamTopics.DEADLETTER, Duration.ofSeconds(1)));
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
