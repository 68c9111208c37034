package io.egostream.job;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.operators.ingest.ClipBuilder;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.query.QueryLimits;
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
      .stringType().defaultValue(EgoStreamTopics.FRAMES)
      .withDescription("Input: FrameBatch records keyed by device id.");

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
      .intType().defaultValue(0)
      .withDescription("Distinct frames a clip window needs to be embedded, from 1 to the model's frame count; fewer "
          + "than that are repeated to fill the clip (wearables with a low frame rate); 0 = the model's frame count.");

  public static final ConfigOption<Long> FRAME_RETENTION_MS = ConfigOptions.key("frames.retention.ms")
      .longType().defaultValue(120_000L)
      .withDescription("How long a device's frames stay buffered after capture, for clips of exact ranges.");

  public static final ConfigOption<Long> OUT_OF_ORDERNESS_MS = ConfigOptions.key(ClipSettings.OUT_OF_ORDERNESS_KEY)
      .longType().defaultValue(2_000L)
      .withDescription("How far behind its device's newest frame a frame may arrive and still be used (each device "
          + "has its own event time); also the bound of the job-wide watermark that ages the clip stores.");

  public static final ConfigOption<Long> IDLENESS_MS = ConfigOptions.key(ClipBuilder.IDLE_TIMEOUT_KEY)
      .longType().defaultValue(5_000L)
      .withDescription("Wall-clock time after a device's last frame at which its last clips are built; also how "
          + "long a silent partition or query input takes to stop holding back the job-wide watermark.");

  public static final ConfigOption<Integer> BATCH_MAX_SIZE = ConfigOptions.key("batch.max-size")
      .intType().defaultValue(8).withDescription("Clips per model call at most.");

  public static final ConfigOption<Long> BATCH_MAX_WAIT_MS = ConfigOptions.key("batch.max-wait.ms")
      .longType().defaultValue(200L)
      .withDescription("Longest a clip waits for its batch to fill before the model runs on a partial batch.");

  public static final ConfigOption<Integer> INFERENCE_LANES = ConfigOptions.key("inference.lanes")
      .intType().defaultValue(0)
      .withDescription("Batching lanes clips are spread over by device; 0 = 2 × the job's parallelism.");

  public static final ConfigOption<Long> STORE_RETENTION_MS = ConfigOptions.key("store.retention.ms")
      .longType().defaultValue(3_600_000L)
      .withDescription("How long (event time) a device's clip embeddings stay searchable by moment queries.");

  public static final ConfigOption<Long> MERGE_TIMEOUT_MS = ConfigOptions.key("moment.merge-timeout.ms")
      .longType().defaultValue(5_000L)
      .withDescription("Longest a moment query waits for every parallel store's hits before answering partial.");

  public static final ConfigOption<Long> MCQ_TIMEOUT_MS = ConfigOptions.key("mcq.timeout.ms")
      .longType().defaultValue(10_000L)
      .withDescription("How long an MCQ choice whose frames have not come is waited for, in wall-clock time from "
          + "the later of the query's arrival and its latest choice's end (a query's own timeout_ms replaces it); "
          + "the choice is given up mcq.safety-timeout.ms after that.");

  public static final ConfigOption<Long> MCQ_SAFETY_TIMEOUT_MS = ConfigOptions.key("mcq.safety-timeout.ms")
      .longType().defaultValue(60_000L)
      .withDescription("Wall-clock margin added to mcq.timeout.ms before a choice is given up, and again before an "
          + "MCQ is answered with whatever has arrived, so that stalled event time (silent devices) or a lost "
          + "choice cannot keep it waiting.");

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

  // ---- Limits on what one query may ask (QueryLimits): a query over one is dead-lettered and answered ERROR ----

  public static final ConfigOption<Integer> QUERY_ID_MAX_BYTES = ConfigOptions.key(QueryLimits.QUERY_ID_MAX_BYTES)
      .intType().defaultValue(QueryLimits.DEFAULT_QUERY_ID_MAX_BYTES)
      .withDescription("Longest query_id in UTF-8 bytes; every answer and pending query carries it.");

  public static final ConfigOption<Integer> TEXT_MAX_BYTES = ConfigOptions.key(QueryLimits.TEXT_MAX_BYTES)
      .intType().defaultValue(QueryLimits.DEFAULT_TEXT_MAX_BYTES)
      .withDescription("Longest narration or text of a query in UTF-8 bytes (the model reads 32 tokens).");

  public static final ConfigOption<Integer> QUERY_MAX_DEVICES = ConfigOptions.key(QueryLimits.DEVICES_MAX)
      .intType().defaultValue(QueryLimits.DEFAULT_DEVICES_MAX)
      .withDescription("Most device_ids a moment or standing query may list (an empty list means all devices).");

  public static final ConfigOption<Integer> DEVICE_ID_MAX_BYTES = ConfigOptions.key(QueryLimits.DEVICE_ID_MAX_BYTES)
      .intType().defaultValue(QueryLimits.DEFAULT_DEVICE_ID_MAX_BYTES)
      .withDescription("Longest device id a query may name, in UTF-8 bytes.");

  public static final ConfigOption<Long> RANGE_MAX_FUTURE_MS = ConfigOptions.key(QueryLimits.RANGE_MAX_FUTURE_MS)
      .longType().defaultValue(QueryLimits.DEFAULT_RANGE_MAX_FUTURE_MS)
      .withDescription("How far past the job's clock an MCQ choice may end (its query waits until then).");

  public static final ConfigOption<Long> RANGE_MAX_LENGTH_MS = ConfigOptions.key(QueryLimits.RANGE_MAX_LENGTH_MS)
      .longType().defaultValue(QueryLimits.DEFAULT_RANGE_MAX_LENGTH_MS)
      .withDescription("Longest MCQ choice range (end_ms - start_ms).");

  public static final ConfigOption<Long> MCQ_MAX_TIMEOUT_MS = ConfigOptions.key(QueryLimits.MCQ_MAX_TIMEOUT_MS)
      .longType().defaultValue(QueryLimits.DEFAULT_MCQ_MAX_TIMEOUT_MS)
      .withDescription("Largest timeout_ms an MCQ may ask for; at least mcq.timeout.ms.");

  public static final ConfigOption<Integer> STANDING_MAX_QUERIES = ConfigOptions.key(QueryLimits.STANDING_MAX)
      .intType().defaultValue(QueryLimits.DEFAULT_STANDING_MAX)
      .withDescription("Most standing queries registered at once; each is held by every clip store instance and "
          + "scored against every new clip.");

  public static final ConfigOption<Integer> STANDING_MAX_PER_TEXT = ConfigOptions.key(QueryLimits.STANDING_MAX_PER_TEXT)
      .intType().defaultValue(QueryLimits.DEFAULT_STANDING_MAX_PER_TEXT)
      .withDescription("Most standing queries registered at once with the same text (trimmed, white space and case "
          + "ignored).");

  public static final ConfigOption<Long> STANDING_MAX_LIFETIME_MS =
      ConfigOptions.key(QueryLimits.STANDING_MAX_LIFETIME_MS)
          .longType().defaultValue(QueryLimits.DEFAULT_STANDING_MAX_LIFETIME_MS)
          .withDescription("Wall-clock time after which a standing query expires (answered TIMED_OUT); resend it to "
              + "keep watching.");

  public static final ConfigOption<Float> STANDING_MIN_THRESHOLD = ConfigOptions.key(QueryLimits.STANDING_MIN_THRESHOLD)
      .floatType().defaultValue(QueryLimits.DEFAULT_STANDING_MIN_THRESHOLD)
      .withDescription("Lowest threshold a standing query may set; a negative one fires on most clips (-1 on all).");
  // What one frame record may carry (DecodeSettings); a frame over a limit dead-letters its record, naming the key.

  public static final ConfigOption<Long> FRAMES_MAX_FUTURE_SKEW_MS =
      ConfigOptions.key(DecodeSettings.MAX_FUTURE_SKEW_KEY)
          .longType().defaultValue(DecodeSettings.DEFAULT_MAX_FUTURE_SKEW_MS)
          .withDescription("How far a capture time may be ahead of the job's clock; keep it well under the broker's "
              + "log.message.timestamp.after.max.ms (1 h), which refuses output records stamped further ahead.");

  public static final ConfigOption<Long> FRAMES_MAX_AGE_MS = ConfigOptions.key(DecodeSettings.MAX_AGE_KEY)
      .longType().defaultValue(DecodeSettings.DEFAULT_MAX_AGE_MS)
      .withDescription("How far a capture time may be behind the job's clock.");

  public static final ConfigOption<Integer> FRAMES_MAX_PIXELS =
      ConfigOptions.key(DecodeSettings.MAX_FRAME_PIXELS_KEY)
          .intType().defaultValue(DecodeSettings.DEFAULT_MAX_FRAME_PIXELS)
          .withDescription("Largest width × height of a frame, checked before decoding; a batch of clips holds "
              + "3 bytes a pixel of heap per frame while it is embedded.");

  public static final ConfigOption<Integer> FRAMES_MAX_JPEG_BYTES =
      ConfigOptions.key(DecodeSettings.MAX_JPEG_BYTES_KEY)
          .intType().defaultValue(DecodeSettings.DEFAULT_MAX_JPEG_BYTES)
          .withDescription("Largest JPEG of one frame, in bytes.");

  public static final ConfigOption<Integer> FRAMES_MAX_JPEG_SCANS =
      ConfigOptions.key(DecodeSettings.MAX_JPEG_SCANS_KEY)
          .intType().defaultValue(DecodeSettings.DEFAULT_MAX_JPEG_SCANS)
          .withDescription("Most scans a frame's JPEG may have (each scan of a progressive JPEG is a pass over the "
              + "whole image), checked before decoding.");

  public static final ConfigOption<Integer> FRAMES_MAX_PER_RECORD =
      ConfigOptions.key(DecodeSettings.MAX_FRAMES_PER_RECORD_KEY)
          .intType().defaultValue(DecodeSettings.DEFAULT_MAX_FRAMES_PER_RECORD)
          .withDescription("Most frames one FrameBatch record may carry.");
  // ---- per-device event time and frame limits (ClipBuilder) ----

  public static final ConfigOption<Long> FRAMES_MAX_CLOCK_JUMP_MS = ConfigOptions.key(ClipSettings.MAX_CLOCK_JUMP_KEY)
      .longType().defaultValue(600_000L)
      .withDescription("How far a frame may be ahead of both its device's newest frame and the job's clock; a frame "
          + "further ahead (a device clock that jumped) is dead-lettered instead of moving the device's event time.");

  public static final ConfigOption<Integer> FRAMES_MAX_BUFFERED_PER_DEVICE =
      ConfigOptions.key(ClipSettings.MAX_BUFFERED_FRAMES_KEY)
          .intType().defaultValue(4_000)
          .withDescription("Frames buffered per device at most (30 fps over the default retention, with margin); "
              + "frames beyond are dead-lettered.");

  public static final ConfigOption<Long> FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE =
      ConfigOptions.key(ClipSettings.MAX_BUFFERED_BYTES_KEY)
          .longType().defaultValue(256L << 20)
          .withDescription("JPEG bytes buffered per device at most (256 MiB: 4000 VGA frames of ~64 KB); frames "
              + "beyond are dead-lettered.");

  /** Every option, in the README's order. */
  public static List<ConfigOption<?>> all() {
    return List.of(BOOTSTRAP_SERVERS, GROUP_ID, TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT_MS, FRAMES_TOPIC,
        QUERIES_TOPIC, EMBEDDINGS_TOPIC, ANSWERS_TOPIC, DEAD_LETTER_TOPIC, CLIP_LENGTH_MS, CLIP_STRIDE_MS,
        CLIP_MIN_FRAMES, FRAME_RETENTION_MS, OUT_OF_ORDERNESS_MS, IDLENESS_MS, BATCH_MAX_SIZE, BATCH_MAX_WAIT_MS,
        INFERENCE_LANES, STORE_RETENTION_MS, MERGE_TIMEOUT_MS, MCQ_TIMEOUT_MS, MCQ_SAFETY_TIMEOUT_MS, MODEL_DIR,
        MODEL_PRESET, MODEL_SEED,
        CHECKPOINT_INTERVAL_MS,
        QUERY_ID_MAX_BYTES, TEXT_MAX_BYTES, QUERY_MAX_DEVICES, DEVICE_ID_MAX_BYTES, RANGE_MAX_FUTURE_MS,
        RANGE_MAX_LENGTH_MS, MCQ_MAX_TIMEOUT_MS, STANDING_MAX_QUERIES, STANDING_MAX_PER_TEXT, STANDING_MAX_LIFETIME_MS,
        STANDING_MIN_THRESHOLD,
        FRAMES_MAX_FUTURE_SKEW_MS, FRAMES_MAX_AGE_MS, FRAMES_MAX_PIXELS, FRAMES_MAX_JPEG_BYTES, FRAMES_MAX_JPEG_SCANS,
        FRAMES_MAX_PER_RECORD,
        FRAMES_MAX_CLOCK_JUMP_MS, FRAMES_MAX_BUFFERED_PER_DEVICE, FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE);
  }
}
