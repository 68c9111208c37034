package io.egostream.operators.moments;

import java.util.Comparator;
import java.util.List;

/**
 * A scored time range of one recording: a clip hit, or several merged into one moment.
 *
 * @param startMs inclusive start, ms (event time of the device, or from the start of a video)
 * @param endMs exclusive end, ms; after {@code startMs}
 * @param score how well the query matches the range (cosine similarity, or an ITM logit after re-ranking)
 * @param support ids of the clips behind it: the best first, then the hits merged into it
 */
public record Moment(long startMs, long endMs, float score, List<String> support) {

  /** Best score first; ties by earlier start, then shorter, so an order never depends on the input's. */
  public static final Comparator<Moment> BEST_FIRST = Comparator.comparingDouble((Moment m) -> -m.score)
      .thenComparingLong(Moment::startMs).thenComparingLong(Moment::endMs);

  public Moment {
    support = List.copyOf(support);
    if (endMs <= startMs) {
      throw new IllegalArgumentException("Invalid moment [" + startMs + ", " + endMs + "] ms: the end must be after "
          + "the start");
    }
  }

  public TimeRange range() {
    return new TimeRange(startMs, endMs);
  }
}
