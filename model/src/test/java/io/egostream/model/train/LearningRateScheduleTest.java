package io.egostream.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  @Test
  void warmsUpLinearlyThenDecaysAlongACosine() {
    LearningRateSchedule s = new LearningRateSchedule(1e-3, 1e-4, 4, 12);
    assertEquals(2.5e-4, s.rate(0), 1e-12); // 1/4 of the peak: no step at rate 0
    assertEquals(7.5e-4, s.rate(2), 1e-12);
    assertEquals(1e-3, s.rate(3), 1e-12);
    assertEquals(1e-3, s.rate(4), 1e-12); // cosine starts at the peak
    assertEquals(1e-4 + 0.5 * 9e-4 * (1 + Math.cos(Math.PI / 8)), s.rate(5), 1e-12);
    assertEquals(5.5e-4, s.rate(8), 1e-12); // half way: mid-point of peak and floor
    assertEquals(1e-4, s.rate(12), 1e-12);
    assertEquals(1e-4, s.rate(20), 1e-12); // past the end it stays at the floor
  }

  @Test
  void refusesAWarmUpAsLongAsTheRun() {
    assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3, 0, 10, 10));
  }
}
