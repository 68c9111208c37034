package io.egostream.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClipSamplingTest {

  private final ClipSampling fourEveryTwo = new ClipSampling(4, 2, 4);

  @Test
  void windowsSlideByTheStrideAndTheLastOneFitsInside() {
    assertEquals(List.of(new ClipWindow(0, 4), new ClipWindow(2, 6), new ClipWindow(4, 8), new ClipWindow(6, 10)),
        List.copyOf(fourEveryTwo.windows(10)));
    assertEquals(3, fourEveryTwo.windowCount(9.9)); // [6, 10] would stick out
    assertEquals(4, fourEveryTwo.windowCount(11.9));
    assertEquals(2, fourEveryTwo.windowCount(6));
    assertEquals(1799, new ClipSampling(4, 2, 4).windowCount(3600 + 0.5)); // starts 0, 2, ..., 3596
  }

  @Test
  void durationsThatAreMultiplesOfTheStrideUpToRoundingCountFully() {
    assertEquals(61, new ClipSampling(1, 0.1, 4).windowCount(7.0));
  }

  @Test
  void windowTimesAreCleanMicroseconds() {
    assertEquals(new ClipWindow(0.3, 1.3), new ClipSampling(1, 0.1, 4).window(3, 7.0)); // not 0.30000000000000004
  }

  @Test
  void aVideoShorterThanOneClipGivesOneClipCoveringAllOfIt() {
    assertEquals(List.of(new ClipWindow(0, 3)), List.copyOf(fourEveryTwo.windows(3)));
    assertEquals(List.of(new ClipWindow(0, 4)), List.copyOf(fourEveryTwo.windows(4)));
  }

  @Test
  void framesSitAtTheCentresOfEqualSlices() {
    ClipWindow window = new ClipWindow(2, 6);
    double[] times = {window.frameTime(0, 4), window.frameTime(1, 4), window.frameTime(2, 4), window.frameTime(3, 4)};
    double[] expected = {2.5, 3.5, 4.5, 5.5};
    for (int i = 0; i < 4; i++) {
      assertEquals(expected[i], times[i], 1e-12);
    }
    assertEquals(4.0, window.frameTime(0, 1), 1e-12);
  }

  @Test
  void badValuesSayWhatIsWrong() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClipSampling(0, 2, 4));
    assertTrue(e.getMessage().contains("clip seconds"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ClipSampling(4, Double.NaN, 4));
    assertThrows(IllegalArgumentException.class, () -> new ClipSampling(4, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> fourEveryTwo.windowCount(0));
    assertThrows(IllegalArgumentException.class, () -> new ClipWindow(3, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> fourEveryTwo.window(4, 10));
  }
}
