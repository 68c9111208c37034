package io.egostream.operators.moments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MomentRulesTest {

  private static final MomentRules RULES = MomentRules.DEFAULTS;

  private static Moment hit(long startMs, long endMs, float score, String id) {
    return new Moment(startMs, endMs, score, List.of(id));
  }

  @Test
  void iouIsEgo4dsIntersectionOverSpan() {
    assertEquals(1.0, new TimeRange(0, 4000).iou(new TimeRange(0, 4000)));
    assertEquals(1.0 / 3, new TimeRange(0, 4000).iou(new TimeRange(2000, 6000)), 1e-12);
    assertEquals(0.0, new TimeRange(0, 4000).iou(new TimeRange(4000, 8000)));
    assertEquals(0.0, new TimeRange(0, 1000).iou(new TimeRange(5000, 8000)));
    assertEquals(0.5, TimeRange.iou(1.0, 3.0, 2.0, 3.0), 1e-12);
  }

  @Test
  void neighbouringClipsMergeIntoTheBestAndClipsTwoStridesApartDoNot() {
    List<Moment> moments = new MomentRules(0.3, 0, 1, 14).suppress(List.of(hit(0, 4000, 0.5f, "a"),
        hit(2000, 6000, 0.9f, "b"), hit(4000, 8000, 0.7f, "c"), hit(10_000, 14_000, 0.2f, "d")));

    assertEquals(List.of(new Moment(2000, 6000, 0.9f, List.of("b", "c", "a")),
        new Moment(10_000, 14_000, 0.2f, List.of("d"))), moments, "at temperature 0: the best hit's range");
  }

  @Test
  void fusionMovesAMomentsRangeTowardsItsNeighboursByTheirScoresAndMergesAgain() {
    // b best; c 0.05 below (weight e^-1), a 0.4 below (weight e^-8): the range moves towards c's.
    List<Moment> moments = RULES.suppress(List.of(hit(0, 4000, 0.5f, "a"), hit(2000, 6000, 0.9f, "b"),
        hit(4000, 8000, 0.85f, "c")));
    double wc = Math.exp((0.85f - 0.9f) / 0.05);
    double wa = Math.exp((0.5f - 0.9f) / 0.05);
    double sum = 1 + wc + wa;
    assertEquals(List.of(new Moment(Math.round((2000 + wc * 4000) / sum), Math.round((6000 + wc * 8000 + wa * 4000)
        / sum), 0.9f, List.of("b", "c", "a"))), moments);

    // r is a moment of its own (IoU 1/7 with p), but p fused with its equal neighbour q, [1000, 5000), overlaps r
    // by IoU 1/3: merged again, the better moment kept.
    List<Moment> close = RULES.suppress(List.of(hit(0, 4000, 0.9f, "p"), hit(2000, 6000, 0.9f, "q"),
        hit(3000, 7000, 0.85f, "r")));
    assertEquals(List.of(new Moment(1000, 5000, 0.9f, List.of("p", "q", "r"))), close);
  }

  @Test
  void theFusionTemperatureIsChecked() {
    assertThrows(IllegalArgumentException.class, () -> new MomentRules(0.3, -0.1, 1, 14));
    assertThrows(IllegalArgumentException.class, () -> new MomentRules(0.3, Double.NaN, 1, 14));
    assertThrows(IllegalArgumentException.class, () -> new MomentRules(0.3, Double.POSITIVE_INFINITY, 1, 14));
  }

  @Test
  void clipsPerMomentIsTheMostClipsOfTheGridOneMomentAbsorbs() {
    assertEquals(3, RULES.clipsPerMoment(4000, 2000), "a clip and its two neighbours (IoU 1/3)");
    assertEquals(5, RULES.clipsPerMoment(4000, 1000), "neighbours 1 s (IoU 3/5) and 2 s (1/3) away merge");
    assertEquals(1, RULES.clipsPerMoment(4000, 4000), "touching clips never merge");
    for (long stride : new long[] {500, 1000, 2000, 3000}) {
      // Every clip of a dense grid, one score each: the best k·clipsPerMoment clips hold at least k moments.
      List<Moment> grid = new ArrayList<>();
      Random random = new Random(stride);
      for (long start = 0; start < 120_000; start += stride) {
        grid.add(hit(start, start + 4000, random.nextFloat(), "c" + start));
      }
      grid.sort(Moment.BEST_FIRST);
      int perMoment = RULES.clipsPerMoment(4000, stride);
      for (int k = 1; k <= 5; k++) {
        assertTrue(RULES.suppress(grid.subList(0, k * perMoment)).size() >= k, "stride " + stride + ", k " + k);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> RULES.clipsPerMoment(4000, 0));
  }

  @Test
  void noTwoMomentsOverlapByMoreThanTheThreshold() {
    Random random = new Random(7);
    List<Moment> hits = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long start = random.nextInt(60_000);
      hits.add(hit(start, start + 500 + random.nextInt(6000), random.nextFloat(), "h" + i));
    }
    List<Moment> moments = RULES.suppress(hits);

    assertTrue(moments.size() > 1);
    for (int i = 0; i < moments.size(); i++) {
      for (int j = i + 1; j < moments.size(); j++) {
        double iou = moments.get(i).range().iou(moments.get(j).range());
        assertTrue(iou <= RULES.nmsIou(), moments.get(i) + " and " + moments.get(j) + " overlap by " + iou);
      }
      assertTrue(i == 0 || moments.get(i - 1).score() >= moments.get(i).score());
    }
    assertEquals(200, moments.stream().mapToInt(m -> m.support().size()).sum());
  }

  @Test
  void rangesAroundAMomentStayInsideTheBoundsAndLeaveOutItsOwn() {
    List<TimeRange> ranges = MomentRules.ranges(new TimeRange(10_000, 14_000), new TimeRange(0, 60_000));

    assertEquals(14, ranges.size());
    assertTrue(ranges.contains(new TimeRange(10_750, 13_250))); // 2.5 s, centred
    assertTrue(ranges.contains(new TimeRange(9_000, 13_000))); // 4 s, 1 s earlier
    assertTrue(!ranges.contains(new TimeRange(10_000, 14_000)));

    List<TimeRange> atStart = MomentRules.ranges(new TimeRange(0, 4000), new TimeRange(0, 5000));
    for (TimeRange r : atStart) {
      assertTrue(r.startMs() >= 0 && r.endMs() <= 5000, r + " leaves the bounds");
    }
  }

  @Test
  void planRefinesTheBestCandidatesWithinTheClipBudget() {
    List<Moment> ranked = List.of(hit(4000, 8000, 0.9f, "a"), hit(8000, 12_000, 0.8f, "b"), hit(20_000, 24_000, 0.7f,
        "c"));
    TimeRange bounds = new TimeRange(0, 60_000);

    assertEquals(List.of(14), RULES.plan(ranked, bounds).stream().map(List::size).toList());
    assertEquals(List.of(14, 14),
        new MomentRules(0.3, 0.05, 2, 32).plan(ranked, bounds).stream().map(List::size).toList());
    assertEquals(List.of(14, 6),
        new MomentRules(0.3, 0.05, 3, 20).plan(ranked, bounds).stream().map(List::size).toList());
    assertEquals(List.of(), new MomentRules(0.3, 0.05, 0, 32).plan(ranked, bounds));
  }

  @Test
  void atTemperatureZeroRefinementTakesTheBestRangeKeepsTheSupportAndMergesAgain() {
    MomentRules argmax = new MomentRules(0.3, 0, 2, 28);
    List<Moment> ranked = List.of(hit(2000, 6000, 0.6f, "a"), hit(6000, 10_000, 0.5f, "b"));
    List<List<TimeRange>> plan = List.of(List.of(new TimeRange(3000, 6000), new TimeRange(2500, 5000)),
        List.of(new TimeRange(3000, 5500)));

    List<Moment> refined = argmax.refine(ranked, plan, List.of(new float[] {0.65f, 0.8f}, new float[] {0.7f}));

    // "b" moved onto "a"'s new range (IoU 2/3 > 0.3), so it merges into it.
    assertEquals(List.of(new Moment(2500, 5000, 0.8f, List.of("a", "b"))), refined);
    assertThrows(IllegalArgumentException.class, () -> argmax.refine(ranked, plan, List.of(new float[] {0.1f})));
    assertEquals(List.of(ranked.get(0)), argmax.refine(List.of(ranked.get(0)),
        List.of(List.of(new TimeRange(3000, 6000))), List.of(new float[] {0.6f})), "its own range on a tie");
  }

  @Test
  void refinementWeighsTheMomentsOwnRangeAndItsScoredRangesAsFusionDoesAndLeavesOutUnscoredOnes() {
    List<Moment> ranked = List.of(hit(2000, 6000, 0.6f, "a"));
    List<List<TimeRange>> plan = List.of(List.of(new TimeRange(3000, 6000), new TimeRange(2500, 5000),
        new TimeRange(0, 3000)));

    List<Moment> refined = RULES.refine(ranked, plan, List.of(new float[] {0.65f, 0.8f, Float.NaN}));

    double own = Math.exp((0.6f - 0.8f) / 0.05);
    double first = Math.exp((0.65f - 0.8f) / 0.05);
    double sum = 1 + own + first;
    assertEquals(List.of(new Moment(Math.round((2500 + 3000 * first + 2000 * own) / sum),
        Math.round((5000 + 6000 * first + 6000 * own) / sum), 0.8f, List.of("a"))), refined,
        "the best score; the range pulled from the best range's towards the others by their weights");
  }

  @Test
  void aClipCoversItsWindowWhenItsFirstAndLastFramesAreWithinOneSamplingIntervalOfTheEnds() {
    // 4 frames in [0, 4 000): one interval is 1 000 ms; a full window's frames sit at 500, 1 500, 2 500, 3 500.
    assertTrue(MomentRules.coversWindow(new long[] {500, 1_500, 2_500, 3_500}, 0, 4_000));
    assertTrue(MomentRules.coversWindow(new long[] {1_000, 1_500, 2_500, 3_000}, 0, 4_000), "exactly one interval");
    assertFalse(MomentRules.coversWindow(new long[] {1_001, 1_500, 2_500, 3_500}, 0, 4_000), "starts too late");
    assertFalse(MomentRules.coversWindow(new long[] {500, 1_500, 2_500, 2_999}, 0, 4_000), "ends too early");
    assertFalse(MomentRules.coversWindow(new long[] {0, 125, 500, 1_500}, -2_000, 2_000),
        "a session that starts inside the window");
    assertTrue(MomentRules.coversWindow(new long[] {1_000}, 0, 4_000), "one frame: one interval is the window");
    assertFalse(MomentRules.coversWindow(new long[0], 0, 4_000));
  }
}
