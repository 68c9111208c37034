package io.egostream.job;

import io.egostream.kafka.EgoStreamTopics;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every option of the streaming job: a name (dotted lower case, units in the name), a type, a default and one line
 * of documentation. The README's option table lists exactly these. Set them with {@code -Dname=value} on the
 * {@code job} command, or in the Flink configuration when submitting with {@code flink run}.
 */
public final class EgoStreamOptions {
  private EgoStreamOptions() {}

  public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("kafka.bootstrap-servers")
      .stringType().defaultValue("localhost:9092")
      .withDescription("Kafka brokers to read frames and queries from and write results to.");

  public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("kafka.group-id")
      .stringType().defaultValue("egostream")
      .withDescription("Kafka consumer group of the job's sources (offsets are committed on checkpoints).");

  public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("kafka.transactional-id-prefix")
      .stringType().noDefaultValue()
      .withDescription("Prefix of the exactly-once sinks' transactional ids, unique per job on a cluster; unset = "
          + "kafka.group-id and a hash of the output topics, the same on every restart of the job.");

  public static final ConfigOption<Long> TRANSACTION_TIMEOUT_MS = ConfigOptions.key("kafka.transaction-timeout.ms")
      .longType().defaultValue(600_000L)
      .withDescription("Kafka transaction timeout: above checkpoint.interval.ms + (tolerated checkpoint failures + "
          + "1) × checkpoint timeout (checked at start) and the time a restart takes, under the broker's "
          + "transaction.max.timeout.ms (15 min by default).");

  public static final ConfigOption<String> FRAMES_TOPIC = ConfigOptions.key("topic.frames")
      .stringType().defaultValue(EgoStreamTopics.FRAMES).withDescription("Input: FrameBatch records keyed by device id.");

  public static final ConfigOption<String> EMBEDDINGS_TOPIC = ConfigOptions.key("topic.embeddings")
      .stringType().defaultValue(EgoStreamTopics.EMBEDDINGS).withDescription("Output: a ClipEmbedding per clip.");

  public static final ConfigOption<String> QUERIES_TOPIC = ConfigOptions.key("topic.queries")
      .stringType().defaultValue(EgoStreamTopics.QUERIES).withDescription("Input: Query records keyed by query id.");

  public static final ConfigOption<String> ANSWERS_TOPIC = ConfigOptions.key("topic.answers")
      .stringType().defaultValue(EgoStreamTopics.ANSWERS).withDescription("Output: Answer records keyed by query id.");

  public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("topic.deadletter")
      .stringType().defaultValue(EgoStreamTopics.DEADLETTER)
      .withDescription("Output: a DeadLetter for every input record the job could not use, with the reason.");

  public static final ConfigOption<Long> CLIP_LENGTH_MS = ConfigOptions.key("clip.length.ms")
      .longType().defaultValue(4_000L).withDescription("Length of a clip in event time.");

  public static final ConfigOption<Long> CLIP_STRIDE_MS = ConfigOptions.key("clip.stride.ms")
      .longType().defaultValue(2_000L).withDescription("Time between the starts of consecutive clips of a device.");

  public static final ConfigOption<Integer> CLIP_MIN_FRAMES = ConfigOptions.key("clip.min-frames")
      .intType().defaultValue(4)
      .withDescription("Distinct frames a clip window needs to be embedded (at least the model's frame count).");

  public static final ConfigOption<Long> FRAME_RETENTION_MS = ConfigOptions.key("frames.retention.ms")
      .longType().defaultValue(120_000L)
      .withDescription("How long a device's frames stay buffered after capture, for clips of exact ranges.");

  public static final ConfigOption<Long> OUT_OF_ORDERNESS_MS = ConfigOptions.key("watermark.out-of-orderness.ms")
      .longType().defaultValue(2_000L)
      .withDescription("How far behind the newest frame of a partition a frame may arrive and still be used.");

  public static final ConfigOption<Long> IDLENESS_MS = ConfigOptions.key("watermark.idleness.ms")
      .longType().defaultValue(5_000L)
      .withDescription("A partition silent this long stops holding back the watermark of the others.");

  public static final ConfigOption<Integer> BATCH_MAX_SIZE = ConfigOptions.key("batch.max-size")
      .intType().defaultValue(8).withDescription("Clips per model call at most.");

  public static final ConfigOption<Long> BATCH_MAX_WAIT_MS = ConfigOptions.key("batch.max-wait.ms")
      .longType().defaultValue(200L)
      .withDescription("Longest a clip waits for its batch to fill before the model runs on a partial batch.");

  public static final ConfigOption<Integer> INFERENCE_LANES = ConfigOptions.key("inference.lanes")
      .intType().defaultValue(0)
      .withDescription("Batching lanes clips are spread over by device; 0 = the job's parallelism.");

  public static final ConfigOption<Long> STORE_RETENTION_MS = ConfigOptions.key("store.retention.ms")
      .longType().defaultValue(3_600_000L)
      .withDescription("How long (event time) a device's clip embeddings stay searchable by moment queries.");

  public static final ConfigOption<Long> MERGE_TIMEOUT_MS = ConfigOptions.key("moment.merge-timeout.ms")
      .longType().defaultValue(5_000L)
      .withDescription("Longest a moment query waits for every parallel store's hits before answering partial.");

  public static final ConfigOption<Long> MCQ_TIMEOUT_MS = ConfigOptions.key("mcq.timeout.ms")
      .longType().defaultValue(10_000L)
      .withDescription("Event time past an MCQ's latest choice end to wait for its clips before answering partial "
          + "or timed out (a query's own timeout_ms wins); must exceed batch.max-wait.ms plus one model call.");

  public static final ConfigOption<Long> MCQ_SAFETY_TIMEOUT_MS = ConfigOptions.key("mcq.safety-timeout.ms")
      .longType().defaultValue(60_000L)
      .withDescription("Wall-clock time after that to answer anyway when event time stalls (silent devices).");

  public static final ConfigOption<String> MODEL_DIR = ConfigOptions.key("model.dir")
      .stringType().noDefaultValue()
      .withDescription("Model folder (config.json, model.safetensors, vocab.txt); unset = the trained model shipped "
          + "in the jar (tiny-synthetic), or an untrained one if model.preset is set.");

  public static final ConfigOption<String> MODEL_PRESET = ConfigOptions.key("model.preset")
      .stringType().noDefaultValue()
      .withDescription("Run an untrained model of this preset (tiny or base) instead of the shipped one, when "
          + "model.dir is unset: answers are then at chance (tests, benchmarks).");

  public static final ConfigOption<Long> MODEL_SEED = ConfigOptions.key("model.seed")
      .longType().defaultValue(0L).withDescription("Seed of that untrained model's weights.");

  public static final ConfigOption<Long> CHECKPOINT_INTERVAL_MS = ConfigOptions.key("checkpoint.interval.ms")
      .longType().defaultValue(5_000L)
      .withDescription("Exactly-once checkpoint interval; results become visible to read_committed consumers at "
          + "each checkpoint.");

  /** Every option, in the README's order. */
  public static List<ConfigOption<?>> all() {
    return List.of(BOOTSTRAP_SERVERS, GROUP_ID, TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT_MS, FRAMES_TOPIC,
        QUERIES_TOPIC, EMBEDDINGS_TOPIC, ANSWERS_TOPIC, DEAD_LETTER_TOPIC, CLIP_LENGTH_MS, CLIP_STRIDE_MS,
        CLIP_MIN_FRAMES, FRAME_RETENTION_MS, OUT_OF_ORDERNESS_MS, IDLENESS_MS, BATCH_MAX_SIZE, BATCH_MAX_WAIT_MS,
        INFERENCE_LANES, STORE_RETENTION_MS, MERGE_TIMEOUT_MS, MCQ_TIMEOUT_MS, MCQ_SAFETY_TIMEOUT_MS, MODEL_DIR, MODEL_PRESET, MODEL_SEED,
        CHECKPOINT_INTERVAL_MS);
  }
}
