package io.egostream.job;

import static io.egostream.job.EgoStreamOptions.*;

import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.mcq.McqSettings;
import io.egostream.operators.query.QueryLimits;
import io.egostream.operators.query.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Everything the job's operators are built from, read once from the Flink configuration ({@link EgoStreamOptions})
 * and validated there, so a bad option fails at submission with its name, not later inside a task.
 *
 * @param lanes inference batching lanes (see {@link io.egostream.operators.inference.EmbedClips#lane})
 * @param queryLimits what one query may ask (see {@link QueryLimits})
 */
public record JobSettings(
    DecodeSettings decode,
    ClipSettings clips,
    Duration outOfOrderness,
    Duration idleness,
    BatchSettings batch,
    int lanes,
    StoreSettings store,
    long mergeTimeoutMs,
    McqSettings mcq,
    ModelSource model,
    QueryLimits queryLimits) {

  /** Reads and validates the options; {@code parallelism} decides the default number of lanes. */
  public static JobSettings from(ReadableConfig conf, int parallelism) {
    ModelSource model = conf.getOptional(MODEL_DIR)
        .map(dir -> ModelSource.folder(Path.of(dir).toAbsolutePath()))
        .or(() -> conf.getOptional(MODEL_PRESET).map(preset -> ModelSource.preset(preset, conf.get(MODEL_SEED))))
        .orElseGet(ModelSource::shipped);
    int frames;
    try {
      frames = model.config().frames();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("Invalid value " + conf.get(MODEL_DIR) + " for " + MODEL_DIR.key() + ": "
          + e.getMessage(), e);
    }
    QueryLimits queryLimits = new QueryLimits(conf.get(QUERY_ID_MAX_BYTES), conf.get(TEXT_MAX_BYTES),
        conf.get(QUERY_MAX_DEVICES), conf.get(DEVICE_ID_MAX_BYTES), conf.get(RANGE_MAX_FUTURE_MS),
        conf.get(RANGE_MAX_LENGTH_MS), conf.get(MCQ_MAX_TIMEOUT_MS), conf.get(STANDING_MAX_QUERIES),
        conf.get(STANDING_MAX_PER_TEXT), conf.get(STANDING_MAX_LIFETIME_MS), conf.get(STANDING_MIN_THRESHOLD));
    if (conf.get(MCQ_TIMEOUT_MS) > queryLimits.mcqMaxTimeoutMs()) {
      throw new IllegalArgumentException("Invalid value " + conf.get(MCQ_TIMEOUT_MS) + " for " + MCQ_TIMEOUT_MS.key()
          + ": must be at most " + MCQ_MAX_TIMEOUT_MS.key() + " (" + queryLimits.mcqMaxTimeoutMs() + "; raise that "
          + "too)");
    }
    int lanes = conf.get(INFERENCE_LANES) > 0 ? conf.get(INFERENCE_LANES) : Math.max(1, 2 * parallelism);
    int minFrames = conf.get(CLIP_MIN_FRAMES) == 0 ? frames : conf.get(CLIP_MIN_FRAMES);
    long storeRetentionMs = conf.get(STORE_RETENTION_MS);
    return new JobSettings(
        new DecodeSettings(conf.get(FRAMES_MAX_FUTURE_SKEW_MS), conf.get(FRAMES_MAX_AGE_MS),
            conf.get(FRAMES_MAX_PIXELS), conf.get(FRAMES_MAX_JPEG_BYTES), conf.get(FRAMES_MAX_JPEG_SCANS),
            conf.get(FRAMES_MAX_PER_RECORD), conf.get(DEVICE_ID_MAX_BYTES)),
        clipSettings(conf, frames, minFrames),
        Duration.ofMillis(conf.get(OUT_OF_ORDERNESS_MS)),
        Duration.ofMillis(conf.get(IDLENESS_MS)),
        new BatchSettings(conf.get(BATCH_MAX_SIZE), conf.get(BATCH_MAX_WAIT_MS)),
        lanes,
        // The eviction interval is no option: a retention shorter than its default shortens it too.
        new StoreSettings(storeRetentionMs, Math.min(StoreSettings.DEFAULT_EVICTION_INTERVAL_MS, storeRetentionMs)),
        conf.get(MERGE_TIMEOUT_MS),
        new McqSettings(conf.get(MCQ_TIMEOUT_MS), conf.get(MCQ_SAFETY_TIMEOUT_MS), storeRetentionMs),
        model,
        queryLimits);
  }

  /** The clip builder's settings; its event-time and limit options are checked here, so an error names the key. */
  private static ClipSettings clipSettings(ReadableConfig conf, int frames, int minFrames) {
    long retention = conf.get(FRAME_RETENTION_MS);
    require(conf.get(OUT_OF_ORDERNESS_MS) >= 0 && conf.get(OUT_OF_ORDERNESS_MS) < retention, conf, OUT_OF_ORDERNESS_MS,
        "must be at least 0 and below " + FRAME_RETENTION_MS.key() + " (" + retention + ")");
    require(conf.get(IDLENESS_MS) > 0, conf, IDLENESS_MS, "must be positive");
    require(conf.get(FRAMES_MAX_CLOCK_JUMP_MS) > 0, conf, FRAMES_MAX_CLOCK_JUMP_MS, "must be positive");
    require(conf.get(FRAMES_MAX_BUFFERED_PER_DEVICE) >= frames, conf, FRAMES_MAX_BUFFERED_PER_DEVICE,
        "must be at least the model's frame count (" + frames + "), or no clip could ever be built");
    require(conf.get(FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE) > 0, conf, FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE,
        "must be positive");
    return new ClipSettings(conf.get(CLIP_LENGTH_MS), conf.get(CLIP_STRIDE_MS), frames,
        minFrames, retention, conf.get(OUT_OF_ORDERNESS_MS), conf.get(IDLENESS_MS),
        conf.get(FRAMES_MAX_CLOCK_JUMP_MS), conf.get(FRAMES_MAX_BUFFERED_PER_DEVICE),
        conf.get(FRAMES_MAX_BUFFERED_BYTES_PER_DEVICE));
  }

  private static void require(boolean ok, ReadableConfig conf, ConfigOption<?> option, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + conf.get(option) + " for " + option.key() + ": " + reason);
    }
  }
}
