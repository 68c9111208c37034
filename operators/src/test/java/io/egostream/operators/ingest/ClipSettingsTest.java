package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class ClipSettingsTest {

  @Test
  void defaultsAreTheEgoMcqSetting() {
    assertEquals(new ClipSettings(4_000, 2_000, 4, 4, 120_000), ClipSettings.from(new Configuration(), 4));
  }

  @Test
  void invalidValuesAreNamedWithTheReason() {
    assertMessage("Invalid value 0 for clip.length.ms: must be positive",
        () -> new ClipSettings(0, 2_000, 4, 4, 120_000));
    assertMessage("Invalid value -1 for clip.stride.ms: must be positive",
        () -> new ClipSettings(4_000, -1, 4, 4, 120_000));
    assertMessage("Invalid value 0 for the model's frame count: must be positive (frames in config.json)",
        () -> new ClipSettings(4_000, 2_000, 0, 1, 120_000));
    assertMessage("Invalid value 5 for clip.min-frames: must be between 1 and the model's frame count (4), or 0 for "
        + "the model's frame count", () -> new ClipSettings(4_000, 2_000, 4, 5, 120_000));
    assertMessage("Invalid value 8 for clip.min-frames: a 5 ms window holds at most 5 distinct capture times "
        + "(lower it or raise clip.length.ms)", () -> new ClipSettings(5, 5, 8, 8, 120_000));
    assertMessage("Invalid value 3999 for frames.retention.ms: must be at least clip.length.ms (4000), or frames "
        + "would be evicted before their windows fire", () -> new ClipSettings(4_000, 2_000, 4, 4, 3_999));
    assertMessage("Invalid value 120000 for watermark.out-of-orderness.ms: must be at least 0 and below "
        + "frames.retention.ms (120000)",
        () -> new ClipSettings(4_000, 2_000, 4, 4, 120_000, 120_000, 5_000, 600_000, 4_000, 1L << 20));
    assertMessage("Invalid value 0 for watermark.idleness.ms: must be positive",
        () -> new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 0, 600_000, 4_000, 1L << 20));
    assertMessage("Invalid value 0 for frames.max-clock-jump.ms: must be positive",
        () -> new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 5_000, 0, 4_000, 1L << 20));
    assertMessage("Invalid value 3 for frames.max-buffered-per-device: must be at least the model's frame count (4), "
        + "or no clip could ever be built",
        () -> new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 5_000, 600_000, 3, 1L << 20));
    assertMessage("Invalid value 0 for frames.max-buffered-bytes-per-device: must be positive",
        () -> new ClipSettings(4_000, 2_000, 4, 4, 120_000, 2_000, 5_000, 600_000, 4_000, 0));
  }

  private static void assertMessage(String expected, Runnable construct) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, construct::run).getMessage());
  }
}
