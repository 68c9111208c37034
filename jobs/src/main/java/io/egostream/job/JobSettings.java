package io.egostream.job;

import static io.egostream.job.EgoStreamOptions.*;
import static io.egostream.operators.config.OptionChecks.invalid;
import static io.egostream.operators.config.OptionChecks.require;

import io.egostream.operators.inference.AdaptiveSettings;
import io.egostream.operators.inference.BatchSettings;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.mcq.McqSettings;
import io.egostream.operators.query.QueryLimits;
import io.egostream.operators.query.RefineSettings;
import io.egostream.operators.query.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Everything the job's operators are built from, read once from the Flink configuration ({@link EgoStreamOptions})
 * and validated there, so a bad option fails at submission with its name, not later inside a task.
 *
 * @param lanes inference batching lanes (see {@link io.egostream.operators.inference.EmbedClips#lane})
 * @param adaptive load-adaptive sparsity (see {@link AdaptiveSettings})
 * @param queryLimits what one query may ask (see {@link QueryLimits})
 */
public record JobSettings(
    DecodeSettings decode,
    ClipSettings clips,
    BatchSettings batch,
    int lanes,
    AdaptiveSettings adaptive,
    StoreSettings store,
    long mergeTimeoutMs,
    RefineSettings refine,
    McqSettings mcq,
    ModelSource model,
    QueryLimits queryLimits) {

  /** Reads and validates the options; {@code parallelism} decides the default number of lanes. */
  public static JobSettings from(ReadableConfig conf, int parallelism) {
    ModelSource model = conf.getOptional(MODEL_DIR)
        .map(dir -> ModelSource.folder(Path.of(dir).toAbsolutePath()))
        .or(() -> conf.getOptional(MODEL_PRESET).map(preset -> ModelSource.preset(preset, conf.get(MODEL_SEED))))
        .orElseGet(ModelSource::shipped)
        .withThreads(conf.get(INFERENCE_THREADS));
    int frames;
    float keepRate;
    try {
      frames = model.config().frames();
      keepRate = model.config().keepRate();
    } catch (java.io.IOException e) {
      IllegalArgumentException invalid = invalid(MODEL_DIR, conf.get(MODEL_DIR), e.getMessage());
      invalid.initCause(e);
      throw invalid;
    }
    // The sinks read these later: a typo should fail here, at submission.
    KafkaConnectors.deliveryGuarantee(conf, EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE);
    KafkaConnectors.deliveryGuarantee(conf, EgoStreamOptions.EMBEDDINGS_DELIVERY_GUARANTEE);
    QueryLimits queryLimits = QueryLimits.from(conf);
    McqSettings mcq = McqSettings.from(conf);
    require(mcq.defaultTimeoutMs() <= queryLimits.mcqMaxTimeoutMs(), MCQ_TIMEOUT_MS, mcq.defaultTimeoutMs(),
        "must be at most " + MCQ_MAX_TIMEOUT_MS.key() + " (" + queryLimits.mcqMaxTimeoutMs() + "; raise that too)");
    require(conf.get(INFERENCE_LANES) >= 0, INFERENCE_LANES, conf.get(INFERENCE_LANES),
        "must be at least 0 (0 = 2 × the job's parallelism)");
    int lanes = conf.get(INFERENCE_LANES) > 0 ? conf.get(INFERENCE_LANES) : Math.max(1, 2 * parallelism);
    AdaptiveSettings adaptive = AdaptiveSettings.from(conf);
    // A floor the user set above the model's q_v is a contradiction; the default floor above it just means no room.
    if (conf.getOptional(ADAPTIVE_MIN_KEEP_RATE).isPresent()) {
      require(adaptive.minKeepRate() <= keepRate, ADAPTIVE_MIN_KEEP_RATE, adaptive.minKeepRate(),
          "must be at most the model's own keep rate " + keepRate + " (load-adaptive sparsity only lowers q_v from "
              + "there)");
    }
    return new JobSettings(
        DecodeSettings.from(conf),
        ClipSettings.from(conf, frames),
        BatchSettings.from(conf),
        lanes,
        adaptive,
        StoreSettings.from(conf),
        conf.get(MERGE_TIMEOUT_MS),
        RefineSettings.from(conf),
        mcq,
        model,
        queryLimits);
  }

  /** These settings without refinement (a bounded run: its sources end before the ranges could come back). */
  public JobSettings withoutRefinement() {
    return new JobSettings(decode, clips, batch, lanes, adaptive, store, mergeTimeoutMs, RefineSettings.OFF, mcq, model,
        queryLimits);
  }

  /** How far behind its newest frame a frame may arrive: the clip builder's rule, and the sources' watermark bound. */
  public Duration outOfOrderness() {
    return Duration.ofMillis(clips.outOfOrdernessMs());
  }

  /** How long a device or a source partition may be silent before it stops holding anything back. */
  public Duration idleness() {
    return Duration.ofMillis(clips.idleTimeoutMs());
  }
}
