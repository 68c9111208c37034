package io.egostream.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WearableSimulatorTest {
  private static final long START = 1_700_000_000_000L;

  @Test
  void framesCapturedAheadAreTheFramesRenderedWhileSending() throws Exception {
    WearableSimulator live = new WearableSimulator(3, 7, START, 2_000, 64, 48, 8, 4);
    WearableSimulator ahead = new WearableSimulator(3, 7, START, 2_000, 64, 48, 8, 4);
    long bytes = ahead.capture();

    List<FrameBatch> sentLive = sent(live);
    List<FrameBatch> sentAhead = sent(ahead);
    assertEquals(3 * 16 / 4, sentLive.size());
    assertEquals(sentLive, sentAhead, "same devices, capture times, sequences, sizes and JPEG bytes");
    assertEquals(sentAhead.stream().flatMap(b -> b.getFramesList().stream()).mapToLong(f -> f.getJpeg().size()).sum(),
        bytes);
  }

  @Test
  void startingAtMovesEveryCaptureTimeAndKeepsTheFrames() throws Exception {
    WearableSimulator ahead = new WearableSimulator(2, 7, START, 1_000, 64, 48, 8, 4);
    ahead.capture();
    List<FrameBatch> before = sent(ahead);
    List<FrameBatch> after = sent(ahead.startingAt(START + 60_000));
    assertEquals(before.size(), after.size());
    for (int b = 0; b < before.size(); b++) {
      assertEquals(before.get(b).getDeviceId(), after.get(b).getDeviceId());
      for (int f = 0; f < before.get(b).getFramesCount(); f++) {
        Frame was = before.get(b).getFrames(f);
        Frame is = after.get(b).getFrames(f);
        assertEquals(was.getCaptureTimeMs() + 60_000, is.getCaptureTimeMs());
        assertEquals(was.getSequence(), is.getSequence());
        assertTrue(was.getJpeg() == is.getJpeg(), "the same captured JPEG, not encoded again");
      }
    }
  }

  private static List<FrameBatch> sent(WearableSimulator simulator) throws Exception {
    List<FrameBatch> batches = new ArrayList<>();
    simulator.run(false, (device, batch) -> batches.add(batch));
    return batches;
  }
}
