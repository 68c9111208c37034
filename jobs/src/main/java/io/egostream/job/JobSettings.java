package io.egostream.job;

import static io.egostream.job.EgoStreamOptions.*;

import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.mcq.McqSettings;
import io.egostream.operators.query.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Everything the job's operators are built from, read once from the Flink configuration ({@link EgoStreamOptions})
 * and validated there, so a bad option fails at submission with its name, not later inside a task.
 *
 * @param lanes inference batching lanes (see {@link io.egostream.operators.inference.EmbedClips#lane})
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
    ModelSource model) {

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
    int lanes = conf.get(INFERENCE_LANES) > 0 ? conf.get(INFERENCE_LANES) : Math.max(1, 2 * parallelism);
    int minFrames = conf.get(CLIP_MIN_FRAMES) == 0 ? frames : conf.get(CLIP_MIN_FRAMES);
    long storeRetentionMs = conf.get(STORE_RETENTION_MS);
    return new JobSettings(
        DecodeSettings.defaults(),
        new ClipSettings(conf.get(CLIP_LENGTH_MS), conf.get(CLIP_STRIDE_MS), frames,
            minFrames, conf.get(FRAME_RETENTION_MS)),
        Duration.ofMillis(conf.get(OUT_OF_ORDERNESS_MS)),
        Duration.ofMillis(conf.get(IDLENESS_MS)),
        new BatchSettings(conf.get(BATCH_MAX_SIZE), conf.get(BATCH_MAX_WAIT_MS)),
        lanes,
        // The eviction interval is no option: a retention shorter than its default shortens it too.
        new StoreSettings(storeRetentionMs, Math.min(StoreSettings.DEFAULT_EVICTION_INTERVAL_MS, storeRetentionMs)),
        conf.get(MERGE_TIMEOUT_MS),
        new McqSettings(conf.get(MCQ_TIMEOUT_MS), conf.get(MCQ_SAFETY_TIMEOUT_MS), storeRetentionMs),
        model);
  }
}
