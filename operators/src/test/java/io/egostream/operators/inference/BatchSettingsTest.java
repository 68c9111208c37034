package io.egostream.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class BatchSettingsTest {

  @Test
  void defaultsAreEightClipsOrTwoHundredMilliseconds() {
    assertEquals(new BatchSettings(8, 200), BatchSettings.from(new Configuration()));
  }

  @Test
  void oneClipBatchesAreAllowed() {
    assertEquals(1, new BatchSettings(1, 1).maxBatchSize());
  }

  @Test
  void invalidValuesAreRefusedWithWhatToDoInstead() {
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> new BatchSettings(0, 200));
    assertEquals("Invalid value 0 for batch.max-size: must be at least 1 (1 runs every item on its own)",
        size.getMessage());
    IllegalArgumentException wait = assertThrows(IllegalArgumentException.class, () -> new BatchSettings(8, 0));
    assertEquals("Invalid value 0 for batch.max-wait.ms: must be at least 1 (to run every item at once without "
        + "waiting, set batch.max-size to 1)", wait.getMessage());
  }
}
