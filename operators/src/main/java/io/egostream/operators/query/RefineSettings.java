package io.egostream.operators.query;

import static io.egostream.operators.config.OptionChecks.require;

import io.egostream.operators.moments.MomentRules;
import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How the live job refines a moment query's best moments ({@link RefineMoments}): which, how many ranges, how long
 * it waits for them.
 *
 * @param candidates best moments of an answer whose boundaries are refined; 0 turns refinement off
 * @param maxExtraClips refinement ranges embedded per query at most; 0 turns refinement off
 * @param timeoutMs wall-clock time a query waits for its ranges' embeddings before it is answered without the rest
 * @param maxOutstandingClips range clips a parallel instance of {@link RefineMoments} may have asked for and not yet
 *     had back; a query whose ranges would pass it is answered at once, unrefined
 */
public record RefineSettings(int candidates, int maxExtraClips, long timeoutMs, int maxOutstandingClips)
    implements Serializable {

  /** The most ranges a query may cost: 10 candidates of 14 ranges; each costs about one stream clip's embedding. */
  public static final int MAX_EXTRA_CLIPS_LIMIT = 140;

  /** 1, as {@code eval-nlq --method refined}: more candidates multiply the clips embedded per query. */
  public static final ConfigOption<Integer> CANDIDATES = ConfigOptions.key("moment.refine.candidates")
      .intType().defaultValue(MomentRules.DEFAULTS.refineCandidates())
      .withDescription("Best moments of a moment query whose start and end are refined: ranges around each are "
          + "re-embedded from the device's frame buffer and their score-weighted mean is reported (docs/moments.md); "
          + "0 = refinement off, moments are the clip grid's.");

  /** 14: all the ranges around one candidate ({@link MomentRules#ranges}). */
  public static final ConfigOption<Integer> MAX_EXTRA_CLIPS = ConfigOptions.key("moment.refine.max-extra-clips")
      .intType().defaultValue(MomentRules.DEFAULTS.maxExtraClips())
      .withDescription("Refinement ranges (extra clip embeddings, batched with the stream's clips) per moment query "
          + "at most, up to " + MAX_EXTRA_CLIPS_LIMIT + "; 0 = refinement off.");

  /** 10 s: ranges of the past are embedded within a batch or two; a moment still being recorded may take longer. */
  public static final ConfigOption<Long> TIMEOUT_MS = ConfigOptions.key("moment.refine.timeout.ms")
      .longType().defaultValue(10_000L)
      .withDescription("Wall-clock time a moment query waits for its refinement ranges' embeddings; then it is "
          + "answered with the ranges scored so far (the rest are named in each moment's refine_note).");

  /**
   * 56: four queries' ranges at the default 14 each. Range clips queue for the model in front of the stream's clips
   * and, through the clip builder, in front of every query's text (docs/moments.md): the bound keeps that queue short
   * (a few seconds of the model's work, inside {@link #TIMEOUT_MS}) however many moment queries come at once.
   */
  public static final ConfigOption<Integer> MAX_OUTSTANDING_CLIPS = ConfigOptions.key(
      "moment.refine.max-outstanding-clips")
      .intType().defaultValue(56)
      .withDescription("Refinement range clips asked for and not yet back, per parallel instance of the refinement, "
          + "at most; a moment query whose ranges would pass it is answered at once with its moments unrefined (its "
          + "refine_note says so), so a burst of moment queries cannot queue without bound in front of the model. "
          + "At least moment.refine.max-extra-clips.");

  public static final RefineSettings DEFAULTS = new RefineSettings(CANDIDATES.defaultValue(),
      MAX_EXTRA_CLIPS.defaultValue(), TIMEOUT_MS.defaultValue(), MAX_OUTSTANDING_CLIPS.defaultValue());

  /** No refinement: moments are the clip grid's (a bounded run, whose sources end before ranges could come back). */
  public static final RefineSettings OFF = new RefineSettings(0, 0, TIMEOUT_MS.defaultValue(),
      MAX_OUTSTANDING_CLIPS.defaultValue());

  public RefineSettings {
    require(candidates >= 0, CANDIDATES, candidates, "must be at least 0 (0 = refinement off)");
    require(maxExtraClips >= 0 && maxExtraClips <= MAX_EXTRA_CLIPS_LIMIT, MAX_EXTRA_CLIPS, maxExtraClips,
        "must be between 0 (refinement off) and " + MAX_EXTRA_CLIPS_LIMIT + " (each range costs about one stream "
            + "clip's embedding)");
    require(timeoutMs >= 1, TIMEOUT_MS, timeoutMs, "must be at least 1 (wall-clock ms to wait for the ranges)");
    require(maxOutstandingClips >= maxExtraClips, MAX_OUTSTANDING_CLIPS, maxOutstandingClips, "must be at least "
        + MAX_EXTRA_CLIPS.key() + " (" + maxExtraClips + "), or no query's ranges would fit (raise it, or lower "
        + MAX_EXTRA_CLIPS.key() + ")");
  }

  public static RefineSettings from(ReadableConfig conf) {
    return new RefineSettings(conf.get(CANDIDATES), conf.get(MAX_EXTRA_CLIPS), conf.get(TIMEOUT_MS),
        conf.get(MAX_OUTSTANDING_CLIPS));
  }

  /** Whether moment queries are refined at all. */
  public boolean enabled() {
    return candidates > 0 && maxExtraClips > 0;
  }

  /** The moment rules with these refinement bounds (merging as {@link MomentRules#DEFAULTS}). */
  public MomentRules rules() {
    return new MomentRules(MomentRules.DEFAULTS.nmsIou(), MomentRules.DEFAULTS.fusionTemperature(), candidates,
        maxExtraClips);
  }
}
