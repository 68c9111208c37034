package io.egostream.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule of load-adaptive sparsity, driven by made-up ages on a made-up clock. */
class KeepRateControllerTest {
  /** Target 10 s: down above 7.5 s, up under 5 s; from 0.7 in steps of 0.1 to 0.3; at most a change a second. */
  private static final AdaptiveSettings ON = new AdaptiveSettings(true, 10_000, 0.3f, 0.1f, 1_000);

  @Test
  void offItNeverChangesTheModelsKeepRate() {
    KeepRateController off = new KeepRateController(0.7f, AdaptiveSettings.defaults());
    for (long t = 0; t < 60_000; t += 100) {
      assertEquals(0.7f, off.update(t, 3_600_000));
    }
    assertEquals(0.7f, off.update(60_000, 0));
  }

  @Test
  void sustainedLateClipsLowerItOneStepPerIntervalToTheFloorAndNotBelow() {
    KeepRateController c = new KeepRateController(0.7f, ON);
    assertEquals(List.of(0.6f, 0.6f, 0.5f, 0.5f, 0.4f, 0.4f, 0.3f, 0.3f, 0.3f, 0.3f), run(c, 0, 20_000));
    assertEquals(0.3f, c.keepRate());
  }

  @Test
  void whenClipsAreOnTimeAgainItClimbsBackToTheModelsKeepRateAndNoHigher() {
    KeepRateController c = new KeepRateController(0.7f, ON);
    run(c, 0, 20_000);
    assertEquals(List.of(0.4f, 0.4f, 0.5f, 0.5f, 0.6f, 0.6f, 0.7f, 0.7f, 0.7f, 0.7f), run(c, 10_000, 1_000));
  }

  @Test
  void agesBetweenHalfAndThreeQuartersOfTheTargetChangeNothing() {
    KeepRateController c = new KeepRateController(0.7f, ON);
    assertEquals(0.6f, c.update(0, 8_000)); // over 7.5 s
    for (long t = 1_000; t < 30_000; t += 500) {
      assertEquals(0.6f, c.update(t, t % 1_000 == 0 ? 5_000 : 7_500), "hysteresis band at " + t);
    }
    assertEquals(0.7f, c.update(30_000, 4_999));
  }

  @Test
  void anUnevenStepEndsExactlyOnTheFloorAndAFloorAboveTheModelsKeepRateMeansNoChange() {
    KeepRateController uneven = new KeepRateController(0.7f, new AdaptiveSettings(true, 1_000, 0.3f, 0.15f, 0));
    List<Float> down = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      down.add(uneven.update(i, 2_000));
    }
    assertEquals(List.of(0.55f, 0.4f, 0.3f, 0.3f, 0.3f), down);

    KeepRateController noRoom = new KeepRateController(0.25f, ON);
    assertEquals(0.25f, noRoom.update(0, 60_000));
    assertEquals(0.25f, noRoom.update(5_000, 60_000));
  }

  @Test
  void settingsOutOfRangeSayWhichOptionAndWhatToSet() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AdaptiveSettings(true, 10_000, 0f, 0.1f, 1_000));
    assertEquals("Invalid value 0.0 for inference.adaptive.keep-rate.min: must be in (0, 1] (the share of patch "
        + "tokens kept at each pruning layer, e.g. 0.3)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveSettings(true, 10_000, 0.3f, 1.5f, 1_000));
    assertEquals("Invalid value 1.5 for inference.adaptive.keep-rate.step: must be in (0, 1] (e.g. 0.1)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveSettings(true, 0, 0.3f, 0.1f, 1_000));
    assertEquals("Invalid value 0 for inference.adaptive.latency-target.ms: must be at least 1 (milliseconds; e.g. "
        + "10000, above the watermark's out-of-orderness)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveSettings(true, 10_000, 0.3f, 0.1f, -1));
    assertEquals("Invalid value -1 for inference.adaptive.adjust-interval.ms: must be at least 0 (0 lets every batch "
        + "change q_v)", e.getMessage());
  }

  /** Ten batches half a second apart from {@code fromMs}, every clip {@code ageMs} old: the q_v of each. */
  private static List<Float> run(KeepRateController c, long fromMs, long ageMs) {
    List<Float> rates = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rates.add(c.update(fromMs + 500L * i, ageMs));
    }
    return rates;
  }
}
