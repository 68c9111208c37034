package io.egostream.job;

import static io.egostream.job.EgoStreamOptions.*;
import static io.egostream.operators.config.OptionChecks.require;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.model.SvittConfig;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.ingest.RawRecordDeserializer;
import io.egostream.operators.kafka.ClipEmbeddingSerializer;
import io.egostream.operators.kafka.DeadLetterSerializer;
import io.egostream.operators.kafka.RangeRequestSerde;
import io.egostream.operators.mcq.ChoiceRequest;
import io.egostream.operators.query.AnswerSerializer;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The job's Kafka sources and sinks, built from {@link EgoStreamOptions}: exactly-once sinks, but for answers and
 * embeddings when {@link EgoStreamOptions#ANSWERS_DELIVERY_GUARANTEE} or
 * {@link EgoStreamOptions#EMBEDDINGS_DELIVERY_GUARANTEE} asks for at-least-once.
 */
public final class KafkaConnectors {
  /** Values of the {@code sink.*.delivery-guarantee} options: Flink's names ({@link DeliveryGuarantee}). */
  public static final String EXACTLY_ONCE = "exactly-once";

  public static final String AT_LEAST_ONCE = "at-least-once";

  /** Client properties that options of the job set, or that exactly-once needs as the job sets them. */
  private static final Map<String, String> JOBS_OWN = Map.of(
      "bootstrap.servers", "use " + BOOTSTRAP_SERVERS.key(),
      "group.id", "use " + GROUP_ID.key(),
      "transactional.id", "use " + TRANSACTIONAL_ID_PREFIX.key(),
      "transaction.timeout.ms", "use " + TRANSACTION_TIMEOUT_MS.key(),
      "isolation.level", "read_committed, so that nothing aborted is ever read",
      "enable.idempotence", "exactly-once sinks need it on",
      "key.serializer", "the sinks' serializers",
      "value.serializer", "the sinks' serializers",
      "key.deserializer", "the sources' deserializers",
      "value.deserializer", "the sources' deserializers");

  private KafkaConnectors() {}

  /**
   * Frame batches from {@link EgoStreamOptions#FRAMES_TOPIC}, from the group's committed offsets (earliest on the
   * first run). {@code bounded}: stop at the offsets that are latest when the job starts (the demo), instead of
   * running forever.
   */
  public static KafkaSource<RawRecord> frames(ReadableConfig conf, DecodeSettings decode, boolean bounded) {
    var builder = KafkaSource.<RawRecord>builder()
        .setBootstrapServers(conf.get(BOOTSTRAP_SERVERS))
        .setTopics(conf.get(FRAMES_TOPIC))
        .setGroupId(conf.get(GROUP_ID))
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new RawRecordDeserializer(decode))
        // Producers of frames may use transactions too; never read what they aborted.
        .setProperty("isolation.level", "read_committed")
        // Frame batches carry JPEGs: the size limits are raised with the topics' and the producers' (EgoStreamTopics).
        .setProperties(properties(EgoStreamTopics.consumerSizeLimits()))
        .setProperties(clientProperties(conf));
    if (bounded) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  /**
   * Queries from {@link EgoStreamOptions#QUERIES_TOPIC}: the same raw records as frames (a bad query is
   * dead-lettered and answered ERROR downstream); {@code bounded} as for {@link #frames}.
   */
  public static KafkaSource<RawRecord> queries(ReadableConfig conf, DecodeSettings decode, boolean bounded) {
    var builder = KafkaSource.<RawRecord>builder()
        .setBootstrapServers(conf.get(BOOTSTRAP_SERVERS))
        .setTopics(conf.get(QUERIES_TOPIC))
        .setGroupId(conf.get(GROUP_ID))
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new RawRecordDeserializer(decode))
        .setProperty("isolation.level", "read_committed")
        .setProperties(clientProperties(conf));
    if (bounded) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  /**
   * Answers to {@link EgoStreamOptions#ANSWERS_TOPIC}, exactly once, or at least once when
   * {@link EgoStreamOptions#ANSWERS_DELIVERY_GUARANTEE} says so (see {@link #withGuarantee}); a repeated answer has
   * the same query id.
   *
   * @throws IllegalArgumentException for a delivery guarantee other than exactly-once or at-least-once
   */
  public static KafkaSink<AnswerRecord> answers(ReadableConfig conf) {
    return withGuarantee(conf, ANSWERS_DELIVERY_GUARANTEE, "answers",
        new AnswerSerializer(conf.get(ANSWERS_TOPIC), EgoStreamTopics.MAX_RECORD_BYTES));
  }

  /**
   * Clip embeddings to {@link EgoStreamOptions#EMBEDDINGS_TOPIC}, exactly once, or at least once when
   * {@link EgoStreamOptions#EMBEDDINGS_DELIVERY_GUARANTEE} says so (see {@link #withGuarantee}); a repeated embedding
   * has the same device, start and end.
   *
   * @throws IllegalArgumentException for a delivery guarantee other than exactly-once or at-least-once
   */
  public static KafkaSink<EmbeddedClip> embeddings(ReadableConfig conf, SvittConfig model) {
    return withGuarantee(conf, EMBEDDINGS_DELIVERY_GUARANTEE, "embeddings",
        new ClipEmbeddingSerializer(conf.get(EMBEDDINGS_TOPIC), model));
  }

  /**
   * The delivery guarantee a {@code sink.*.delivery-guarantee} option names, checked.
   *
   * @throws IllegalArgumentException for a value other than exactly-once or at-least-once
   */
  public static DeliveryGuarantee deliveryGuarantee(ReadableConfig conf, ConfigOption<String> option) {
    String value = conf.get(option);
    if (value.equals(EXACTLY_ONCE)) {
      return DeliveryGuarantee.EXACTLY_ONCE;
    }
    require(value.equals(AT_LEAST_ONCE), option, value,
        "must be " + EXACTLY_ONCE + " or " + AT_LEAST_ONCE + " (at-least-once sends results without waiting for the "
            + "checkpoint's commit, and may repeat one after a restart)");
    return DeliveryGuarantee.AT_LEAST_ONCE;
  }

  /**
   * A sink with the delivery guarantee {@code option} names. At least once, each record is sent as soon as it is made
   * (a read_committed consumer reads it without waiting for the checkpoint's commit) and the producer is flushed on
   * every checkpoint, so nothing made before a checkpoint is lost; a restart may send a record made since again.
   */
  private static <T> KafkaSink<T> withGuarantee(ReadableConfig conf, ConfigOption<String> option, String name,
      KafkaRecordSerializationSchema<T> serializer) {
    if (deliveryGuarantee(conf, option) == DeliveryGuarantee.EXACTLY_ONCE) {
      return exactlyOnce(conf, name, serializer);
    }
    return KafkaSink.<T>builder()
        .setBootstrapServers(conf.get(BOOTSTRAP_SERVERS))
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setKafkaProducerConfig(properties(EgoStreamTopics.producerSizeLimits()))
        .setKafkaProducerConfig(clientProperties(conf))
        .build();
  }

  /**
   * Refinement range requests from {@link EgoStreamOptions#REFINE_REQUESTS_TOPIC}, the job's own loop: from the
   * latest offsets on a first start (older requests belong to queries of an earlier run, answered or lost), from the
   * checkpoint's after a restore. Never bounded: a bounded run does not refine.
   */
  public static KafkaSource<ChoiceRequest> refineRequests(ReadableConfig conf) {
    return KafkaSource.<ChoiceRequest>builder()
        .setBootstrapServers(conf.get(BOOTSTRAP_SERVERS))
        .setTopics(conf.get(REFINE_REQUESTS_TOPIC))
        .setGroupId(conf.get(GROUP_ID))
        .setStartingOffsets(OffsetsInitializer.latest())
        .setValueOnlyDeserializer(new RangeRequestSerde())
        .setProperties(clientProperties(conf))
        .build();
  }

  /**
   * Refinement range requests to {@link EgoStreamOptions#REFINE_REQUESTS_TOPIC}, keyed by device id, at least once
   * and at once: a request waiting for a checkpoint's commit would hold its answer up by the checkpoint interval. A
   * request repeated after a restart builds one clip more, which the refinement drops (one outcome per range).
   */
  public static KafkaSink<ChoiceRequest> refineRequestsSink(ReadableConfig conf) {
    String topic = conf.get(REFINE_REQUESTS_TOPIC);
    return KafkaSink.<ChoiceRequest>builder()
        .setBootstrapServers(conf.get(BOOTSTRAP_SERVERS))
        .setRecordSerializer(KafkaRecordSerializationSchema.<ChoiceRequest>builder()
            .setTopic(topic)
            .setKeySerializationSchema(r -> r.deviceId.getBytes(StandardCharsets.UTF_8))
            .setValueSerializationSchema(new RangeRequestSerde())
            .build())
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setKafkaProducerConfig(clientProperties(conf))
        .build();
  }

  /** Dead letters to {@link EgoStreamOptions#DEAD_LETTER_TOPIC}, exactly once. */
  public static KafkaSink<DeadLetterRecord> deadLetters(ReadableConfig conf) {
    return exactlyOnce(conf, "deadletter", new DeadLetterSerializer(conf.get(DEAD_LETTER_TOPIC),
        EgoStreamTopics.MAX_RECORD_BYTES));
  }

  private static <T> KafkaSink<T> exactlyOnce(ReadableConfig conf, String name,
      KafkaRecordSerializationSchema<T> serializer) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(conf.get(BOOTSTRAP_SERVERS))
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        // One prefix per sink: two sinks sharing transactional ids would fence each other.
        .setTransactionalIdPrefix(transactionalIdPrefix(conf) + "-" + name)
        .setProperty("transaction.timeout.ms", String.valueOf(conf.get(TRANSACTION_TIMEOUT_MS)))
        .setKafkaProducerConfig(properties(EgoStreamTopics.producerSizeLimits()))
        .setKafkaProducerConfig(clientProperties(conf))
        .build();
  }

  /**
   * {@link EgoStreamOptions#TRANSACTIONAL_ID_PREFIX}, or by default the job's consumer group and a hash of its output
   * topics. Unique per job: two jobs on one cluster that shared transactional ids would fence each other, each
   * aborting the other's open transactions. Stable across restarts: a job restored from a checkpoint must find its
   * own transactions again to commit or abort them. The group id alone would do for jobs configured apart; the topics
   * keep two jobs apart that share a group id by mistake but write to different places.
   */
  public static String transactionalIdPrefix(ReadableConfig conf) {
    return conf.getOptional(TRANSACTIONAL_ID_PREFIX).orElseGet(() -> {
      String topics = conf.get(EMBEDDINGS_TOPIC) + "\n" + conf.get(ANSWERS_TOPIC) + "\n" + conf.get(DEAD_LETTER_TOPIC);
      UUID hash = UUID.nameUUIDFromBytes(topics.getBytes(StandardCharsets.UTF_8));
      return conf.get(GROUP_ID) + "-" + String.format("%016x", hash.getMostSignificantBits()).substring(0, 8);
    });
  }

  /**
   * The Kafka client properties given as {@code kafka.properties.NAME=VALUE}
   * ({@link EgoStreamOptions#KAFKA_PROPERTIES}), by NAME: every source and sink of the job gets them (security,
   * timeouts, compression...), after the job's own size limits, which they may raise.
   *
   * @throws IllegalArgumentException for a NAME no Kafka client declares (naming the closest) or one the job sets
   *     itself (naming the option to use instead)
   */
  public static Properties clientProperties(ReadableConfig conf) {
    Properties properties = new Properties();
    conf.toMap().forEach((key, value) -> {
      if (key.startsWith(KAFKA_PROPERTIES)) {
        checkClientProperty(key);
        properties.setProperty(key.substring(KAFKA_PROPERTIES.length()), value);
      }
    });
    return properties;
  }

  /**
   * Refuses {@code kafka.properties.NAME} unless NAME is a Kafka producer, consumer or admin property the job does not
   * set itself.
   *
   * @throws IllegalArgumentException "Unknown Kafka client property ..." or "Invalid option ..."
   */
  public static void checkClientProperty(String key) {
    String name = key.substring(KAFKA_PROPERTIES.length());
    String own = JOBS_OWN.get(name);
    if (own != null) {
      throw new IllegalArgumentException("Invalid option " + key + ": the job sets " + name + " itself (" + own + ")");
    }
    Set<String> known = new TreeSet<>(ProducerConfig.configNames());
    known.addAll(ConsumerConfig.configNames());
    known.addAll(AdminClientConfig.configNames());
    if (!known.contains(name)) {
      List<String> close = known.stream().filter(k -> FlinkOptionKeys.editDistance(name, k) <= 2)
          .map(k -> KAFKA_PROPERTIES + k).limit(3).toList();
      throw new IllegalArgumentException("Unknown Kafka client property " + name + " in option " + key + ": "
          + (close.isEmpty() ? "no Kafka producer, consumer or admin property is called that"
              : "did you mean " + String.join(" or ", close) + "?"));
    }
  }

  private static Properties properties(Map<String, Object> settings) {
    Properties properties = new Properties();
    settings.forEach((key, value) -> properties.setProperty(key, String.valueOf(value)));
    return properties;
  }
}
