package io.egostream.eval;

import io.egostream.data.NlqQuery;
import io.egostream.operators.moments.TimeRange;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores moment predictions as Ego4D's NLQ evaluator does ({@code evaluate_nlq_performance}): a query is found at
 * rank k and IoU θ when one of its first k predictions has IoU ({@link TimeRange#iou}) strictly greater than θ with
 * the true moment; mean IoU is that of the first prediction (0 when there is none).
 */
public final class NlqResults {

  /** The recalls reported: rank 1 and 5 at IoU 0.3 and 0.5, in this order. */
  public enum Recall {
    R1_IOU03(1, 0.3, "r1_iou0.3"), R1_IOU05(1, 0.5, "r1_iou0.5"), R5_IOU03(5, 0.3, "r5_iou0.3"),
    R5_IOU05(5, 0.5, "r5_iou0.5");

    private final int rank;
    private final double iou;
    private final String key;

    Recall(int rank, double iou, String key) {
      this.rank = rank;
      this.iou = iou;
      this.key = key;
    }

    public String key() {
      return key;
    }

    /** Whether {@code predictions} (best first, [start, end] seconds) find {@code truth} at this rank and IoU. */
    public boolean found(List<double[]> predictions, NlqQuery truth) {
      for (int i = 0; i < Math.min(rank, predictions.size()); i++) {
        if (iou(predictions.get(i), truth) > iou) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * One scored query.
   *
   * @param query the query
   * @param predictions its predicted moments, best first, {@code [start, end]} seconds from the clip's start
   * @param refineClips extra clips embedded to refine its moments
   */
  public record Scored(NlqQuery query, List<double[]> predictions, int refineClips) {
    public double topIou() {
      return predictions.isEmpty() ? 0 : iou(predictions.get(0), query);
    }
  }

  /** Found queries out of a count per recall, and the sum of first-prediction IoUs. */
  public static final class Tally {
    private final Map<Recall, Integer> found = new EnumMap<>(Recall.class);
    private int count;
    private double iouSum;

    void add(Scored s) {
      count++;
      iouSum += s.topIou();
      for (Recall r : Recall.values()) {
        found.merge(r, r.found(s.predictions(), s.query()) ? 1 : 0, Integer::sum);
      }
    }

    public int count() {
      return count;
    }

    /** Percent of the queries found, null when there are none. */
    public Double recall(Recall r) {
      return count == 0 ? null : 100.0 * found.getOrDefault(r, 0) / count;
    }

    /** Mean first-prediction IoU, 0 to 1; null when there are no queries. */
    public Double meanIou() {
      return count == 0 ? null : iouSum / count;
    }
  }

  private final List<Scored> scored = new ArrayList<>();
  private final List<SkippedQuestion> skipped = new ArrayList<>();
  private final Tally all = new Tally();
  private final Map<String, Tally> byVerb = new TreeMap<>();

  static double iou(double[] prediction, NlqQuery truth) {
    return TimeRange.iou(prediction[0], prediction[1], truth.startSec(), truth.endSec());
  }

  public void scored(Scored s) {
    scored.add(s);
    all.add(s);
    byVerb.computeIfAbsent(s.query().verb(), v -> new Tally()).add(s);
  }

  public void skipped(SkippedQuestion s) {
    skipped.add(s);
  }

  public Tally all() {
    return all;
  }

  /** Per verb of the query ({@code verb_x}), verbs in alphabetical order. */
  public Map<String, Tally> byVerb() {
    return byVerb;
  }

  public List<Scored> scoredQueries() {
    return List.copyOf(scored);
  }

  public List<SkippedQuestion> skippedQueries() {
    return List.copyOf(skipped);
  }

  /** Mean extra clips embedded per scored query to refine its moments. */
  public double refineClipsPerQuery() {
    return scored.isEmpty() ? 0 : scored.stream().mapToInt(Scored::refineClips).sum() / (double) scored.size();
  }
}
