package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class UniformSamplerTest {

  @Test
  void takesTheFrameNearestEachWantedTime() {
    // 4 frames of [0, 4000) are wanted at 500, 1500, 2500, 3500.
    long[] thirtyFps = new long[120];
    for (int j = 0; j < thirtyFps.length; j++) {
      thirtyFps[j] = Math.round(j * 1000 / 30.0);
    }
    assertArrayEquals(new long[] {500, 1500, 2500, 3500}, UniformSampler.sample(thirtyFps, 0, 4000, 4));
    assertArrayEquals(new long[] {400, 1400, 2600, 3600},
        UniformSampler.sample(new long[] {0, 400, 1400, 1900, 2600, 3000, 3600}, 0, 4000, 4));
  }

  @Test
  void worksOnEpochTimesAndAnyRange() {
    long start = 1_700_000_002_000L;
    long[] times = {start + 10, start + 990, start + 1_010, start + 2_000, start + 2_600};
    // [start, start + 3000) with 3 frames: wanted at +500, +1500, +2500.
    assertArrayEquals(new long[] {start + 10, start + 1_010, start + 2_600}, // +10: a tie with +990
        UniformSampler.sample(times, start, start + 3_000, 3));
  }

  @Test
  void tiesGoToTheEarlierFrame() {
    // Wanted at 1000: 500 and 1500 are equally near.
    assertArrayEquals(new long[] {500}, UniformSampler.sample(new long[] {500, 1500}, 0, 2000, 1));
  }

  @Test
  void framesAreDistinctWhenTwoWantedTimesShareANearestFrame() {
    // Nearest: 400, 2000, 2000, 3500. Least total distance among distinct in-order choices: 400 600 2000 3500.
    assertArrayEquals(new long[] {400, 600, 2000, 3500},
        UniformSampler.sample(new long[] {400, 600, 2000, 3500, 3600}, 0, 4000, 4));
    // Exactly n frames: all of them.
    assertArrayEquals(new long[] {1400, 1500, 1600, 2600},
        UniformSampler.sample(new long[] {1400, 1500, 1600, 2600}, 0, 4000, 4));
  }

  @Test
  void fewerFramesThanWantedRepeatNearestFramesInOrder() {
    assertArrayEquals(new long[] {400, 400, 3000, 3000}, UniformSampler.sample(new long[] {400, 3000}, 0, 4000, 4));
    assertArrayEquals(new long[] {10, 10, 10}, UniformSampler.sample(new long[] {10}, 0, 4000, 3));
  }

  @Test
  void alwaysDistinctInOrderAndFromTheInput() {
    Random random = new Random(42);
    for (int trial = 0; trial < 500; trial++) {
      int n = 1 + random.nextInt(8);
      TreeSet<Long> set = new TreeSet<>();
      int count = n + random.nextInt(20);
      while (set.size() < count) {
        set.add((long) random.nextInt(4000));
      }
      long[] times = set.stream().mapToLong(Long::longValue).toArray();
      long[] sampled = UniformSampler.sample(times, 0, 4000, n);
      assertEquals(n, sampled.length);
      for (int i = 0; i < n; i++) {
        assertTrue(set.contains(sampled[i]));
        assertTrue(i == 0 || sampled[i] > sampled[i - 1], "distinct and increasing");
      }
    }
  }

  @Test
  void rejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> UniformSampler.sample(new long[] {}, 0, 4000, 4));
    assertThrows(IllegalArgumentException.class, () -> UniformSampler.sample(new long[] {1}, 0, 4000, 0));
    assertThrows(IllegalArgumentException.class, () -> UniformSampler.sample(new long[] {1}, 4000, 4000, 1));
    assertThrows(IllegalArgumentException.class, () -> UniformSampler.sample(new long[] {2, 1}, 0, 4000, 1));
    assertThrows(IllegalArgumentException.class, () -> UniformSampler.sample(new long[] {1, 1}, 0, 4000, 1));
    IllegalArgumentException outside =
        assertThrows(IllegalArgumentException.class, () -> UniformSampler.sample(new long[] {4000}, 0, 4000, 1));
    assertTrue(outside.getMessage().contains("[0, 4000)"), outside.getMessage());
  }
}
