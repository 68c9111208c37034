package io.egostream.job;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.operators.inference.AdaptiveSettings;
import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.inference.EmbedClips;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.mcq.McqSettings;
import io.egostream.operators.query.MergeHits;
import io.egostream.operators.query.QueryLimits;
import io.egostream.operators.query.RefineSettings;
import io.egostream.operators.query.StoreSettings;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The index of every option of the streaming job: a name (dotted lower case, units in the name), a type, a default
 * and one line of documentation. An option that feeds a settings record is declared next to it, with its check
 * ({@link ClipSettings}, {@link DecodeSettings}, {@link BatchSettings}, {@link AdaptiveSettings},
 * {@link StoreSettings}, {@link McqSettings}, {@link QueryLimits}, {@link MergeHits}, {@link RefineSettings},
 * {@link EmbedClips}) and only listed here; the job's own (Kafka, topics, model, checkpoints) are declared here.
 * docs/options.md is generated from {@link #all()}. Set them with {@code -Dname=value} on the {@code job} command, or
 * in the Flink configuration when submitting with {@code flink run}.
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

  /**
   * Prefix of Kafka client properties passed through to every Kafka client the job creates, its sources and sinks
   * alike: {@code kafka.properties.NAME=VALUE} sets the client property NAME, e.g.
   * {@code kafka.properties.security.protocol=SASL_SSL}. NAME must be a Kafka producer, consumer or admin property,
   * and not one the job sets itself ({@link KafkaConnectors#clientProperties}).
   */
  public static final String KAFKA_PROPERTIES = "kafka.properties.";

  public static final ConfigOption<String> FRAMES_TOPIC = ConfigOptions.key("topic.frames")
      .stringType().defaultValue(EgoStreamTopics.FRAMES)
      .withDescription("Input: FrameBatch records keyed by device id.");

  public static final ConfigOption<String> EMBEDDINGS_TOPIC = ConfigOptions.key("topic.embeddings")
      .stringType().defaultValue(EgoStreamTopics.EMBEDDINGS).withDescription("Output: a ClipEmbedding per clip.");

  public static final ConfigOption<String> QUERIES_TOPIC = ConfigOptions.key("topic.queries")
      .stringType().defaultValue(EgoStreamTopics.QUERIES).withDescription("Input: Query records keyed by query id.");

  public static final ConfigOption<String> ANSWERS_TOPIC = ConfigOptions.key("topic.answers")
      .stringType().defaultValue(EgoStreamTopics.ANSWERS).withDescription("Output: Answer records keyed by query id.");

  public static final ConfigOption<String> ANSWERS_DELIVERY_GUARANTEE =
      ConfigOptions.key("sink.answers.delivery-guarantee")
          .stringType().defaultValue(KafkaConnectors.EXACTLY_ONCE)
          .withDescription("How answers reach topic.answers: exactly-once (in the checkpoint's Kafka transaction, "
              + "readable by read_committed consumers only when the next checkpoint completes) or at-least-once "
              + "(sent at once, flushed on checkpoints; after a restart an answer may come again with the same "
              + "query id, for consumers to drop).");

  public static final ConfigOption<String> EMBEDDINGS_DELIVERY_GUARANTEE =
      ConfigOptions.key("sink.embeddings.delivery-guarantee")
          .stringType().defaultValue(KafkaConnectors.EXACTLY_ONCE)
          .withDescription("How clip embeddings reach topic.embeddings: exactly-once (in the checkpoint's Kafka "
              + "transaction, readable by read_committed consumers only when the next checkpoint completes) or "
              + "at-least-once (sent at once, flushed on checkpoints; after a restart an embedding may come again, "
              + "for consumers to drop by device, start and end).");

  public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("topic.deadletter")
      .stringType().defaultValue(EgoStreamTopics.DEADLETTER)
      .withDescription("Output: a DeadLetter for every input record the job could not use, with the reason.");

  public static final ConfigOption<String> REFINE_REQUESTS_TOPIC = ConfigOptions.key("topic.refine-requests")
      .stringType().defaultValue(EgoStreamTopics.REFINE_REQUESTS)
      .withDescription("Internal: moment queries' refinement range requests, written and read by the job itself "
          + "(from the refinement back to the clip builder); create it with the others.");

  public static final ConfigOption<Long> CLIP_LENGTH_MS = ClipSettings.LENGTH_MS;
  public static final ConfigOption<Long> CLIP_STRIDE_MS = ClipSettings.STRIDE_MS;
  public static final ConfigOption<Integer> CLIP_MIN_FRAMES = ClipSettings.MIN_FRAMES;
  public static final ConfigOption<Long> FRAME_RETENTION_MS = ClipSettings.FRAME_RETENTION_MS;
  public static final ConfigOption<Long> OUT_OF_ORDERNESS_MS = ClipSettings.OUT_OF_ORDERNESS_MS;
  public static final ConfigOption<Long> IDLENESS_MS = ClipSettings.IDLENESS_MS;
  public static final ConfigOption<Integer> BATCH_MAX_SIZE = BatchSettings.MAX_SIZE;
  public static final ConfigOption<Long> BATCH_MAX_WAIT_MS = BatchSettings.MAX_WAIT_MS;

  public static final ConfigOption<Integer> INFERENCE_LANES = EmbedClips.LANES;
  public static final ConfigOption<Integer> INFERENCE_THREADS = ModelSource.THREADS;

  // Load-adaptive sparsity (AdaptiveSettings, for EmbedClips): off by default.
  public static final ConfigOption<Boolean> ADAPTIVE_ENABLED = AdaptiveSettings.ENABLED;
  public static final ConfigOption<Long> ADAPTIVE_LATENCY_TARGET_MS = AdaptiveSettings.LATENCY_TARGET_MS;
  public static final ConfigOption<Float> ADAPTIVE_MIN_KEEP_RATE = AdaptiveSettings.MIN_KEEP_RATE;
  public static final ConfigOption<Float> ADAPTIVE_KEEP_RATE_STEP = AdaptiveSettings.KEEP_RATE_STEP;
  public static final ConfigOption<Long> ADAPTIVE_ADJUST_INTERVAL_MS = AdaptiveSettings.ADJUST_INTERVAL_MS;

  public static final ConfigOption<Long> STORE_RETENTION_MS = StoreSettings.RETENTION_MS;
  public static final ConfigOption<Long> MERGE_TIMEOUT_MS = MergeHits.TIMEOUT_MS;
  public static final ConfigOption<Integer> REFINE_CANDIDATES = RefineSettings.CANDIDATES;
  public static final ConfigOption<Integer> REFINE_MAX_EXTRA_CLIPS = RefineSettings.MAX_EXTRA_CLIPS;
  public static final ConfigOption<Long> REFINE_TIMEOUT_MS = RefineSettings.TIMEOUT_MS;
  public static final ConfigOption<Integer> REFINE_MAX_OUTSTANDING_CLIPS = RefineSettings.MAX_OUTSTANDING_CLIPS;
  public static final ConfigOption<Long> MCQ_TIMEOUT_MS = McqSettings.TIMEOUT_MS;
  public static final ConfigOption<Long> MCQ_SAFETY_TIMEOUT_MS = McqSettings.SAFETY_TIMEOUT_MS;

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

  // Limits on what one query may ask (QueryLimits): a query over one is dead-lettered and answered ERROR.
  public static final ConfigOption<Integer> QUERY_ID_MAX_BYTES = QueryLimits.QUERY_ID_MAX_BYTES;
  public static final ConfigOption<Integer> TEXT_MAX_BYTES = QueryLimits.TEXT_MAX_BYTES;
  public static final ConfigOption<Integer> QUERY_MAX_DEVICES = QueryLimits.DEVICES_MAX;
  public static final ConfigOption<Integer> DEVICE_ID_MAX_BYTES = QueryLimits.DEVICE_ID_MAX_BYTES;
  public static final ConfigOption<Long> RANGE_MAX_FUTURE_MS = QueryLimits.RANGE_MAX_FUTURE_MS;
  public static final ConfigOption<Long> RANGE_MAX_LENGTH_MS = QueryLimits.RANGE_MAX_LENGTH_MS;
  public static final ConfigOption<Long> MCQ_MAX_TIMEOUT_MS = QueryLimits.MCQ_MAX_TIMEOUT_MS;
  public static final ConfigOption<Integer> STANDING_MAX_QUERIES = QueryLimits.STANDING_MAX;
  public static final ConfigOption<Integer> STANDING_MAX_PER_TEXT = QueryLimits.STANDING_MAX_PER_TEXT;
  public static final ConfigOption<Long> STANDING_MAX_LIFETIME_MS = QueryLimits.STANDING_MAX_LIFETIME_MS;
  public static final ConfigOption<Float> STANDING_MIN_THRESHOLD = QueryLimits.STANDING_MIN_THRESHOLD;

  // What one frame record may carry (DecodeSettings); a frame over a limit dead-letters its record, naming the key.
  public static final ConfigOption<Long> FRAMES_MAX_FUTURE_SKEW_MS = DecodeSettings.MAX_FUTURE_SKEW_MS;
  public static final ConfigOption<Long> FRAMES_MAX_AGE_MS = DecodeSettings.MAX_AGE_MS;
  public static final ConfigOption<Integer> FRAMES_MAX_PIXELS = DecodeSettings.MAX_FRAME_PIXELS;
  public static final ConfigOption<Integer> FRAMES_MAX_JPEG_BYTES = DecodeSettings.MAX_JPEG_BYTES;
  public static final ConfigOption<Integer> FRAMES_MAX_JPEG_SCANS = DecodeSettings.MAX_JPEG_SCANS;
  public static final ConfigOption<Integer> FRAMES_MAX_PER_RECORD = DecodeSettings.MAX_FRAMES_PER_RECORD;

  // Per-device event time and frame limits (ClipSettings, for ClipBuilder).
  public static final ConfigOption<Long> FRAMES_MAX_CLOCK_JUMP_MS = ClipSettings.MAX_CLOCK_JUMP_MS;
  public static final ConfigOption<Integer> FRAMES_MAX_BUFFERED_PER_DEVICE = ClipSettings.MAX_BUFFERED_FRAMES;
  public static final ConfigOption<Long> FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE = ClipSettings.MAX_BUFFERED_BYTES;

  /** Every option, in the order of docs/options.md. */
  public static List<ConfigOption<?>> all() {
    return List.of(BOOTSTRAP_SERVERS, GROUP_ID, TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT_MS, FRAMES_TOPIC,
        QUERIES_TOPIC, EMBEDDINGS_TOPIC, ANSWERS_TOPIC, ANSWERS_DELIVERY_GUARANTEE, EMBEDDINGS_DELIVERY_GUARANTEE,
        DEAD_LETTER_TOPIC,
        REFINE_REQUESTS_TOPIC, CLIP_LENGTH_MS, CLIP_STRIDE_MS,
        CLIP_MIN_FRAMES, FRAME_RETENTION_MS, OUT_OF_ORDERNESS_MS, IDLENESS_MS, BATCH_MAX_SIZE, BATCH_MAX_WAIT_MS,
        INFERENCE_LANES, INFERENCE_THREADS, ADAPTIVE_ENABLED, ADAPTIVE_LATENCY_TARGET_MS, ADAPTIVE_MIN_KEEP_RATE,
        ADAPTIVE_KEEP_RATE_STEP, ADAPTIVE_ADJUST_INTERVAL_MS, STORE_RETENTION_MS, MERGE_TIMEOUT_MS, REFINE_CANDIDATES,
        REFINE_MAX_EXTRA_CLIPS, REFINE_TIMEOUT_MS, REFINE_MAX_OUTSTANDING_CLIPS, MCQ_TIMEOUT_MS, MCQ_SAFETY_TIMEOUT_MS,
        MODEL_DIR, MODEL_PRESET, MODEL_SEED,
        CHECKPOINT_INTERVAL_MS,
        QUERY_ID_MAX_BYTES, TEXT_MAX_BYTES, QUERY_MAX_DEVICES, DEVICE_ID_MAX_BYTES, RANGE_MAX_FUTURE_MS,
        RANGE_MAX_LENGTH_MS, MCQ_MAX_TIMEOUT_MS, STANDING_MAX_QUERIES, STANDING_MAX_PER_TEXT, STANDING_MAX_LIFETIME_MS,
        STANDING_MIN_THRESHOLD,
        FRAMES_MAX_FUTURE_SKEW_MS, FRAMES_MAX_AGE_MS, FRAMES_MAX_PIXELS, FRAMES_MAX_JPEG_BYTES, FRAMES_MAX_JPEG_SCANS,
        FRAMES_MAX_PER_RECORD,
        FRAMES_MAX_CLOCK_JUMP_MS, FRAMES_MAX_BUFFERED_PER_DEVICE, FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE);
  }
}
