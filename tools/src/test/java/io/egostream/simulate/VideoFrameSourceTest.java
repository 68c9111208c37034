package io.egostream.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.FrameBatch;
import io.egostream.video.TestVideos;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoFrameSourceTest {
  @TempDir Path dir;

  @Test
  void aWearableFilmsAVideoFileAndLoopsIt() throws Exception {
    Path video = TestVideos.write(dir.resolve("clip.mp4"), 20); // 2 s at 10 fps, frame i shows index i
    try (VideoFrameSource source = new VideoFrameSource(video, 256)) {
      assertEquals(5, TestVideos.indexOf(source.frame(500)));
      assertEquals(12, TestVideos.indexOf(source.frame(1_200)));
      assertEquals(5, TestVideos.indexOf(source.frame(2_500)), "looped");

      WearableSimulator simulator = new WearableSimulator(List.of(source), "s", 1_700_000_000_000L, 1_000, 4, 2);
      List<FrameBatch> batches = new ArrayList<>();
      simulator.run(false, (device, batch) -> batches.add(batch));
      assertEquals(2, batches.size(), "4 frames of 1 s at 4 fps, 2 a message");
      FrameBatch first = batches.get(0);
      assertEquals("wearable-00", first.getDeviceId());
      assertEquals(1_700_000_000_250L, first.getFrames(1).getCaptureTimeMs());
      assertEquals(3, TestVideos.indexOf(Jpeg.decode(first.getFrames(1).getJpeg().toByteArray())),
          "at 250 ms (a 1 ms window, middle 250.5 ms) the nearest of the video's frames is frame 3, at 300 ms");
      assertEquals(66, first.getFrames(0).getWidth());
    }
  }

  @Test
  void aMissingVideoIsAClearError() {
    IOException e = assertThrows(IOException.class, () -> new VideoFrameSource(dir.resolve("none.mp4"), 256));
    assertEquals(true, e.getMessage().contains("none.mp4"), e.getMessage());
  }
}
