package io.egostream.operators.inference;

import static io.egostream.operators.config.OptionChecks.require;

import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Load-adaptive sparsity: when clips reach the model late, {@link EmbedClips} lowers the keep rate q_v (the share of
 * patch tokens kept at each pruning layer) step by step, down to a floor, and raises it back to the model's own q_v
 * when they reach it on time again. {@link KeepRateController} holds the rule.
 *
 * @param enabled whether q_v adapts at all ({@link #ENABLED}); off, every clip runs at the model's own q_v
 * @param latencyTargetMs the age a clip should stay under when its embedding leaves the model
 *     ({@link #LATENCY_TARGET_MS})
 * @param minKeepRate the floor q_v never goes under ({@link #MIN_KEEP_RATE})
 * @param keepRateStep how much q_v changes at a time ({@link #KEEP_RATE_STEP})
 * @param adjustIntervalMs shortest processing time between two changes ({@link #ADJUST_INTERVAL_MS})
 */
public record AdaptiveSettings(boolean enabled, long latencyTargetMs, float minKeepRate, float keepRateStep,
    long adjustIntervalMs) implements Serializable {

  /** Off by default: a model's accuracy should not change with load unless the user asks for that trade. */
  public static final ConfigOption<Boolean> ENABLED = ConfigOptions.key("inference.adaptive.enabled")
      .booleanType().defaultValue(false)
      .withDescription("Load-adaptive sparsity: lower the model's keep rate q_v when clips reach the model late, "
          + "raise it back when they are on time (docs/job.md, 'Load-adaptive sparsity').");

  /**
   * 10 s: above the age a clip has when the model is done with it at light load (the watermark's out-of-orderness, 2 s
   * by default, the batch wait and a fast model's batch time), with room for half of it before q_v rises again.
   */
  public static final ConfigOption<Long> LATENCY_TARGET_MS = ConfigOptions.key("inference.adaptive.latency-target.ms")
      .longType().defaultValue(10_000L)
      .withDescription("Age (wall clock minus the clip's end) a clip should stay under when its embedding leaves the "
          + "model (its age when the model takes it plus the last batch's time): q_v goes down a step while the clips "
          + "of a batch would be older than 3/4 of it, up a step while they would be younger than half of it.");

  /** 0.3: about half the base model's tokens after the first pruning layer at q_v 0.7, for a modest accuracy cost. */
  public static final ConfigOption<Float> MIN_KEEP_RATE = ConfigOptions.key("inference.adaptive.keep-rate.min")
      .floatType().defaultValue(0.3f)
      .withDescription("Lowest keep rate q_v load-adaptive sparsity goes down to; the model's own q_v if that is "
          + "lower.");

  /** 0.1: four steps from the paper's 0.7 to the default floor, each a measured accuracy cost (docs/benchmarks.md). */
  public static final ConfigOption<Float> KEEP_RATE_STEP = ConfigOptions.key("inference.adaptive.keep-rate.step")
      .floatType().defaultValue(0.1f)
      .withDescription("How much load-adaptive sparsity changes q_v at a time.");

  /** 2 s: a change shows in the clips' age only once the clips queued before it have passed the model. */
  public static final ConfigOption<Long> ADJUST_INTERVAL_MS = ConfigOptions.key("inference.adaptive.adjust-interval.ms")
      .longType().defaultValue(2_000L)
      .withDescription("Shortest time between two changes of q_v, so that a change can take effect before the next.");

  public AdaptiveSettings {
    require(latencyTargetMs >= 1, LATENCY_TARGET_MS, latencyTargetMs,
        "must be at least 1 (milliseconds; e.g. 10000, above the watermark's out-of-orderness)");
    require(minKeepRate > 0 && minKeepRate <= 1, MIN_KEEP_RATE, minKeepRate,
        "must be in (0, 1] (the share of patch tokens kept at each pruning layer, e.g. 0.3)");
    require(keepRateStep > 0 && keepRateStep <= 1, KEEP_RATE_STEP, keepRateStep, "must be in (0, 1] (e.g. 0.1)");
    require(adjustIntervalMs >= 0, ADJUST_INTERVAL_MS, adjustIntervalMs,
        "must be at least 0 (0 lets every batch change q_v)");
  }

  /** The options' defaults: off. */
  public static AdaptiveSettings defaults() {
    return new AdaptiveSettings(ENABLED.defaultValue(), LATENCY_TARGET_MS.defaultValue(),
        MIN_KEEP_RATE.defaultValue(), KEEP_RATE_STEP.defaultValue(), ADJUST_INTERVAL_MS.defaultValue());
  }

  /** The settings {@code conf} asks for (the defaults where it sets nothing). */
  public static AdaptiveSettings from(ReadableConfig conf) {
    return new AdaptiveSettings(conf.get(ENABLED), conf.get(LATENCY_TARGET_MS), conf.get(MIN_KEEP_RATE),
        conf.get(KEEP_RATE_STEP), conf.get(ADJUST_INTERVAL_MS));
  }
}
