package io.egostream.kafka;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;

/**
 * EgoStream's Kafka topics and the size limits every client of them needs.
 *
 * <p>Frame batches carry JPEGs, so a record can be several MB, well above Kafka's ~1 MB defaults. Kafka checks size
 * in four places (producer request, broker, topic, consumer fetch) and a record passes only if all four allow it:
 * {@link #MAX_RECORD_BYTES} raises them together. Use {@link #producerSizeLimits()} and
 * {@link #consumerSizeLimits()} in every client of these topics.
 */
public final class EgoStreamTopics {

  /** {@code FrameBatch} protobufs from wearables, keyed by device id. */
  public static final String FRAMES = "ego.frames";
  /** {@code ClipEmbedding} protobufs, keyed by device id. */
  public static final String EMBEDDINGS = "ego.embeddings";
  /** {@code Query} protobufs, keyed by query id. */
  public static final String QUERIES = "ego.queries";
  /** {@code Answer} protobufs, keyed by query id. */
  public static final String ANSWERS = "ego.answers";
  /** {@code DeadLetter} protobufs: input records the job could not use, under their original key. */
  public static final String DEADLETTER = "ego.deadletter";

  /**
   * The job's own: moment queries' refinement range requests, on their way back from the refinement to the clip
   * builder (a loop the DataStream API cannot draw), keyed by device id. Nothing else reads or writes it.
   */
  public static final String REFINE_REQUESTS = "ego.refine-requests";

  /** Every topic, in data-flow order. */
  public static final List<String> ALL = List.of(FRAMES, EMBEDDINGS, QUERIES, ANSWERS, DEADLETTER, REFINE_REQUESTS);

  /**
   * Partitions of {@link #FRAMES} unless told otherwise: the parallelism the job can read frames with (one device's
   * frames stay in one partition, so more partitions spread devices, never split one).
   */
  public static final int DEFAULT_FRAME_PARTITIONS = 4;

  /** Largest record a producer may send: a batch of a few full-HD JPEGs with room to spare. */
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * What brokers and topics accept ({@code message.max.bytes}, {@code max.message.bytes}): a record of
   * {@link #MAX_RECORD_BYTES} travels inside a record batch whose header adds ~70 bytes; Kafka's own defaults keep
   * the same gap between producer and broker.
   */
  public static final int MAX_BATCH_BYTES = MAX_RECORD_BYTES + 1024;

  private EgoStreamTopics() {}

  /**
   * The topics to create: {@code framePartitions} for {@link #FRAMES}, 1 for the others (they carry a small
   * fraction of the frames' bytes). Each allows records up to {@link #MAX_RECORD_BYTES}.
   *
   * @param framePartitions partitions of {@link #FRAMES}, at least 1
   * @param replicationFactor replicas of every partition (1 on a single broker)
   */
  public static List<NewTopic> newTopics(int framePartitions, short replicationFactor) {
    if (framePartitions < 1) {
      throw new IllegalArgumentException("Invalid value " + framePartitions + " for frame partitions: must be at "
          + "least 1");
    }
    return ALL.stream()
        .map(name -> newTopic(name, name.equals(FRAMES) ? framePartitions : 1, replicationFactor))
        .toList();
  }

  /** One topic with EgoStream's size limit; for tests and tools that need a topic of their own. */
  public static NewTopic newTopic(String name, int partitions, short replicationFactor) {
    return new NewTopic(name, partitions, replicationFactor)
        .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_BATCH_BYTES)));
  }

  /** Producer settings that let records up to {@link #MAX_RECORD_BYTES} through (default: ~1 MB). */
  public static Map<String, Object> producerSizeLimits() {
    return Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
  }

  /**
   * Consumer settings that fetch records up to {@link #MAX_RECORD_BYTES} in one go (default: 1 MB per partition;
   * larger records still arrive alone, but one partition's fetch then starves the others).
   */
  public static Map<String, Object> consumerSizeLimits() {
    return Map.of(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_BATCH_BYTES,
        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(MAX_BATCH_BYTES, ConsumerConfig.DEFAULT_FETCH_MAX_BYTES));
  }
}
