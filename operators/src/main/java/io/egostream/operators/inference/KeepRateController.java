package io.egostream.operators.inference;

import java.util.Objects;

/**
 * The rule of load-adaptive sparsity ({@link AdaptiveSettings}): which keep rate q_v the next batch runs at, given
 * how old its clips will be when their embeddings leave the model.
 *
 * <p>The signal is a clip's age, wall clock minus its end: what a consumer's latency counts from, so it grows with a
 * backlog anywhere in front of the model, in Kafka as well as inside the job ({@link EmbedClips} adds the time the
 * last batch took to the age the clips have when the model takes them). With T the latency target:
 * <ul>
 *   <li>older than 3/4 T: one step down (never under the floor), before the target itself is reached;
 *   <li>younger than T/2: one step up (never over the model's own q_v);
 *   <li>in between: no change. The gap is the hysteresis: a step down makes the model faster, the backlog shrinks
 *       and the age falls, but it has to fall below T/2, not just under 3/4 T, before q_v rises again.
 * </ul>
 * After a change it waits {@link AdaptiveSettings#adjustIntervalMs()} before the next, so that the clips queued
 * before the change have passed and the next decision sees its effect. Under a load the floor cannot carry, q_v stays
 * at the floor; under one between two steps, it alternates between them, a step at a time.
 *
 * <p>Its state is one number, how many steps under the model's q_v it is, kept in memory and not checkpointed: after a
 * restart it starts again at the model's q_v, and the first batches, whose clips have waited through the restart,
 * bring it down again if the load is still there. Not thread-safe: one per inference task, used by its task thread.
 */
public final class KeepRateController {
  /** Share of the target above which q_v goes down. */
  static final double LOWER_ABOVE = 0.75;
  /** Share of the target under which q_v goes up. */
  static final double RAISE_BELOW = 0.5;

  private final AdaptiveSettings settings;
  private final float modelKeepRate;
  private final float floor;
  /** Steps under the model's q_v at the floor. */
  private final int lowestLevel;
  /** Steps under the model's q_v now. */
  private int level;
  /** Processing time before which q_v does not change again. */
  private long nextChangeMs = Long.MIN_VALUE;

  /**
   * Starts at {@code modelKeepRate}, the model's own q_v; a floor above it is lowered to it (the controller then never
   * changes q_v).
   */
  public KeepRateController(float modelKeepRate, AdaptiveSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.modelKeepRate = modelKeepRate;
    this.floor = Math.min(settings.minKeepRate(), modelKeepRate);
    // The epsilon keeps float noise from adding a step: (0.7f - 0.3f) / 0.1f is 4.0000005.
    this.lowestLevel = (int) Math.ceil((modelKeepRate - floor) / (double) settings.keepRateStep() - 1e-4);
  }

  /** The q_v the last batch ran at (the model's own until a first change). */
  public float keepRate() {
    if (level == 0) {
      return modelKeepRate;
    }
    double q = Math.max(floor, modelKeepRate - (double) level * settings.keepRateStep());
    return (float) (Math.round(q * 10_000) / 10_000.0); // 0.6, not 0.59999996, in every embedding that carries it
  }

  /**
   * Takes the age of the clips of the batch about to run ({@code ageMs}, at processing time {@code nowMs}) and returns
   * the q_v to run it at. Off ({@link AdaptiveSettings#enabled()} false), always the model's own.
   */
  public float update(long nowMs, long ageMs) {
    if (!settings.enabled() || nowMs < nextChangeMs) {
      return keepRate();
    }
    int next = level;
    if (ageMs > LOWER_ABOVE * settings.latencyTargetMs() && level < lowestLevel) {
      next = level + 1;
    } else if (ageMs < RAISE_BELOW * settings.latencyTargetMs() && level > 0) {
      next = level - 1;
    }
    if (next != level) {
      level = next;
      nextChangeMs = nowMs + settings.adjustIntervalMs();
    }
    return keepRate();
  }
}
