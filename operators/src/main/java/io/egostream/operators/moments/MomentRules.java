package io.egostream.operators.moments;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How clip hits become moments, one rule set for the live job and {@code eval-nlq} so both give the same answers.
 *
 * <ul>
 *   <li><b>Merging</b> ({@link #suppress}): greedy temporal non-maximum suppression. Hits are taken best first; a hit
 *       whose IoU ({@link TimeRange#iou}) with a moment already kept is more than {@code nmsIou} joins that moment
 *       (its clip id is added to the moment's support, its score is dropped); otherwise it starts a new moment. So no
 *       two moments overlap by more than {@code nmsIou}. At the default 0.3, neighbouring stream clips (4 s every
 *       2 s: IoU 1/3) merge, clips two strides apart (touching, IoU 0) do not.</li>
 *   <li><b>Boundary fusion</b> (in {@link #suppress}): a moment's range is the mean of its hits' starts and ends,
 *       each hit weighted {@code exp((score − best score) / fusionTemperature)}, the best hit's range alone at a
 *       temperature of 0 (weighted boxes fusion, Solovyev et al. 2019, in one dimension). An action the grid cuts
 *       in two is seen by two neighbouring clips with close scores, and lies between them: at 0.05, a neighbour 0.05
 *       below the best pulls the range a quarter of the way over ({@code e^-1 / (1 + e^-1)}), one 0.2 below hardly at
 *       all. Fused ranges can come closer than their hits were, so the moments are merged again.</li>
 *   <li><b>Refinement</b> ({@link #plan}, {@link #refine}): the best {@code refineCandidates} moments are re-scored
 *       over ranges around them ({@link #ranges}: lengths 5/8, 13/16 and 1 of the moment's, centres shifted by
 *       -1/4, -1/8, 0, 1/8, 1/4 of its length, kept inside the bounds: up to 14 new ranges for a moment), at most
 *       {@code maxExtraClips} new ranges for a query in all; each refined moment becomes the score-weighted mean of
 *       its own range (scored as its best hit) and its ranges, weighted as in boundary fusion, and the result is
 *       merged again.</li>
 * </ul>
 *
 * @param nmsIou the largest IoU two moments of one answer may have, in [0, 1)
 * @param fusionTemperature how far a moment's range follows its weaker hits (score units), 0 for not at all
 * @param refineCandidates moments refined per query, 0 for none
 * @param maxExtraClips new ranges embedded per query at most
 */
public record MomentRules(double nmsIou, double fusionTemperature, int refineCandidates, int maxExtraClips)
    implements Serializable {

  /**
   * 0.3: adjacent stream clips merge. Fusion at 0.05: chosen with the shipped model on held-out NLQ queries of a
   * validation seed (docs/moments.md), where 0.05 to 0.1 did best at R@1 and R@5, IoU 0.5. One candidate and its
   * 14 ranges: the rank-1 moment gets its boundaries; more candidates multiply the clips embedded per query (each
   * about as costly as a stream clip).
   */
  public static final MomentRules DEFAULTS = new MomentRules(0.3, 0.05, 1, 14);

  private static final double[] LENGTHS = {0.625, 0.8125, 1.0};
  private static final double[] SHIFTS = {-0.25, -0.125, 0, 0.125, 0.25};

  public MomentRules {
    if (!(nmsIou >= 0 && nmsIou < 1)) {
      throw new IllegalArgumentException("Invalid value " + nmsIou + " for the moment IoU: must be in [0, 1) (e.g. "
          + "0.3)");
    }
    if (!(fusionTemperature >= 0) || Double.isInfinite(fusionTemperature)) {
      throw new IllegalArgumentException("Invalid value " + fusionTemperature + " for the fusion temperature: must "
          + "be finite and at least 0 (e.g. 0.05; 0 keeps the best hit's range)");
    }
    if (refineCandidates < 0 || maxExtraClips < 0) {
      throw new IllegalArgumentException("Invalid refinement: " + refineCandidates + " candidates, " + maxExtraClips
          + " extra clips; both must be at least 0");
    }
  }

  /**
   * How many clip hits of the stream's grid ({@code clipMs} long, one every {@code strideMs}) one moment can absorb
   * at most under {@link #suppress}, itself included: a clip {@code j} strides from the kept one has IoU
   * {@code (clipMs - j·strideMs) / (clipMs + j·strideMs)}, more than {@code nmsIou} for {@code j < x}, so up to
   * {@code ceil(x) - 1} on each side. The best {@code k} times this many clips always hold {@code k} moments (or all
   * there are): 3 at the defaults (4 s every 2 s, IoU 0.3).
   */
  public int clipsPerMoment(long clipMs, long strideMs) {
    if (clipMs < 1 || strideMs < 1) {
      throw new IllegalArgumentException("Invalid clip grid: " + clipMs + " ms every " + strideMs + " ms; both must "
          + "be at least 1");
    }
    double x = clipMs * (1 - nmsIou) / ((1 + nmsIou) * strideMs);
    return 1 + 2 * Math.max(0, (int) Math.ceil(x) - 1);
  }

  /**
   * Whether a clip's sampled frames cover its window {@code [startMs, endMs)}: the first within one sampling interval
   * ({@code (endMs − startMs) / n} for n frames) of the start, the last within one of the end. A full window's
   * frames sit half an interval in from each end. A window that a session starts or ends inside, or that spans a
   * gap, has its n frames squeezed into part of it: not a clip of the kind the model was trained on, and such clips
   * scored first on queries about other actions. Moment queries search covering clips only (as {@code eval-nlq}'s
   * windows, cut from inside the video, all are).
   */
  public static boolean coversWindow(long[] frameTimesMs, long startMs, long endMs) {
    if (frameTimesMs.length == 0) {
      return false;
    }
    double interval = (double) (endMs - startMs) / frameTimesMs.length;
    return frameTimesMs[0] - startMs <= interval && endMs - frameTimesMs[frameTimesMs.length - 1] <= interval;
  }

  /** Merges hits into moments, their ranges fused (see the class comment), best first. */
  public List<Moment> suppress(List<Moment> hits) {
    List<Moment> fused = new ArrayList<>();
    for (List<Moment> group : groups(hits)) {
      fused.add(fuse(group));
    }
    return fusionTemperature == 0 ? fused : merge(fused);
  }

  /** Greedy NMS: each moment keeps its best hit's range and score and takes the others' support. */
  private List<Moment> merge(List<Moment> hits) {
    List<Moment> moments = new ArrayList<>();
    for (List<Moment> group : groups(hits)) {
      Moment best = group.get(0);
      moments.add(new Moment(best.startMs(), best.endMs(), best.score(), support(group)));
    }
    return moments;
  }

  /** The hits grouped by greedy NMS, best first, each group's best hit first. */
  private List<List<Moment>> groups(List<Moment> hits) {
    List<Moment> sorted = new ArrayList<>(hits);
    sorted.sort(Moment.BEST_FIRST);
    List<List<Moment>> groups = new ArrayList<>();
    for (Moment hit : sorted) {
      List<Moment> into = null;
      for (int k = 0; k < groups.size() && into == null; k++) {
        if (groups.get(k).get(0).range().iou(hit.range()) > nmsIou) {
          into = groups.get(k);
        }
      }
      if (into == null) {
        groups.add(new ArrayList<>(List.of(hit)));
      } else {
        into.add(hit);
      }
    }
    return groups;
  }

  /** One group's moment: its best hit's score, the weighted mean of its hits' ranges, all their support. */
  private Moment fuse(List<Moment> group) {
    Moment best = group.get(0);
    if (fusionTemperature == 0) {
      return new Moment(best.startMs(), best.endMs(), best.score(), support(group));
    }
    double weights = 0;
    double start = 0;
    double end = 0;
    for (Moment hit : group) {
      double w = Math.exp((hit.score() - best.score()) / fusionTemperature); // 1 for the best, less for the rest
      weights += w;
      start += w * hit.startMs();
      end += w * hit.endMs();
    }
    return new Moment(Math.round(start / weights), Math.round(end / weights), best.score(), support(group));
  }

  private static List<String> support(List<Moment> group) {
    Set<String> support = new LinkedHashSet<>();
    group.forEach(hit -> support.addAll(hit.support()));
    return new ArrayList<>(support);
  }

  /**
   * The ranges around {@code moment} that refinement scores (see the class comment), inside {@code bounds}, without
   * the moment's own range, in a fixed order.
   */
  public static List<TimeRange> ranges(TimeRange moment, TimeRange bounds) {
    Set<TimeRange> ranges = new LinkedHashSet<>();
    double centre = (moment.startMs() + moment.endMs()) / 2.0;
    for (double lengthFactor : LENGTHS) {
      long length = Math.min(bounds.lengthMs(), Math.round(moment.lengthMs() * lengthFactor));
      for (double shift : SHIFTS) {
        long start = Math.round(centre + shift * moment.lengthMs() - length / 2.0);
        start = Math.max(bounds.startMs(), Math.min(bounds.endMs() - length, start));
        ranges.add(new TimeRange(start, start + length));
      }
    }
    ranges.remove(moment);
    return new ArrayList<>(ranges);
  }

  /**
   * The ranges to score for the best moments ({@code ranked} best first): one list per refined moment, at most
   * {@code refineCandidates} lists and {@code maxExtraClips} ranges in all.
   */
  public List<List<TimeRange>> plan(List<Moment> ranked, TimeRange bounds) {
    List<List<TimeRange>> plan = new ArrayList<>();
    int left = maxExtraClips;
    for (int i = 0; i < Math.min(refineCandidates, ranked.size()) && left > 0; i++) {
      List<TimeRange> around = ranges(ranked.get(i).range(), bounds);
      around = around.subList(0, Math.min(left, around.size()));
      plan.add(List.copyOf(around));
      left -= around.size();
    }
    return plan;
  }

  /**
   * The moments after refinement: moment i of {@code ranked} ({@code i < plan.size()}) becomes the score-weighted mean
   * of its own range and the ranges {@code plan.get(i)} scored {@code scores.get(i)}, weighted as boundary fusion
   * weighs a moment's hits (the best of them at temperature 0, its own on a tie), with the best score among them;
   * then all are merged again, best first. A NaN score marks a range that could not be scored: left out.
   */
  public List<Moment> refine(List<Moment> ranked, List<List<TimeRange>> plan, List<float[]> scores) {
    if (plan.size() != scores.size() || plan.size() > ranked.size()) {
      throw new IllegalArgumentException("Refinement of " + ranked.size() + " moments got " + plan.size()
          + " range lists and " + scores.size() + " score lists; they must match");
    }
    List<Moment> refined = new ArrayList<>(ranked);
    for (int i = 0; i < plan.size(); i++) {
      List<TimeRange> ranges = plan.get(i);
      float[] s = scores.get(i);
      if (s.length != ranges.size()) {
        throw new IllegalArgumentException("Refinement of moment " + i + " got " + s.length + " scores for "
            + ranges.size() + " ranges");
      }
      List<Moment> scored = new ArrayList<>(List.of(ranked.get(i)));
      for (int r = 0; r < ranges.size(); r++) {
        if (!Float.isNaN(s[r])) {
          scored.add(new Moment(ranges.get(r).startMs(), ranges.get(r).endMs(), s[r], List.of()));
        }
      }
      // The argmax of 15 close cosines is noisy: a range showing the idle time around an action, or only its middle,
      // can score as high as the action. Their weighted mean lands nearer it (docs/moments.md has the figures).
      scored.sort(Comparator.comparingDouble((Moment m) -> -m.score())); // stable: its own range first on a tie
      refined.set(i, fuse(scored));
    }
    return merge(refined); // each refined range was measured: merged, not fused again
  }
}
