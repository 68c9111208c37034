package io.egostream.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.egostream.model.Clip;
import io.egostream.model.ClipEmbedding;
import io.egostream.model.RgbFrame;
import io.egostream.video.ClipWindow;
import io.egostream.video.SampledClip;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchedClipEmbedderTest {

  @Test
  void embedsInBatchesAndKeepsClipOrder() throws IOException {
    List<Integer> batchSizes = new ArrayList<>();
    ClipEncoder encoder = clips -> {
      batchSizes.add(clips.size());
      List<ClipEmbedding> out = new ArrayList<>();
      for (Clip clip : clips) {
        out.add(new ClipEmbedding(new float[] {clip.frames().get(0).rgb()[0]}, new int[][] {{0}}));
      }
      return out;
    };
    List<String> written = new ArrayList<>();
    List<Long> progress = new ArrayList<>();
    long done = new BatchedClipEmbedder(encoder, 3).run(clips(7).iterator(),
        (window, embedding) -> written.add(window.startSeconds() + "=" + embedding.vector()[0]), progress::add);
    assertEquals(7, done);
    assertEquals(List.of(3, 3, 1), batchSizes);
    assertEquals(List.of(3L, 6L, 7L), progress);
    assertEquals(List.of("0.0=0.0", "1.0=1.0", "2.0=2.0", "3.0=3.0", "4.0=4.0", "5.0=5.0", "6.0=6.0"), written);
  }

  @Test
  void aModelThatDropsClipsIsCaught() {
    ClipEncoder lossy = clips -> List.of();
    assertThrows(IllegalStateException.class,
        () -> new BatchedClipEmbedder(lossy, 2).run(clips(2).iterator(), (w, e) -> {}, n -> {}));
  }

  @Test
  void readFailuresSurfaceAsIoExceptions() {
    Iterator<SampledClip> failing = new Iterator<>() {
      @Override
      public boolean hasNext() {
        throw new UncheckedIOException(new IOException("Cannot decode video x.mp4"));
      }

      @Override
      public SampledClip next() {
        throw new AssertionError();
      }
    };
    IOException e = assertThrows(IOException.class,
        () -> new BatchedClipEmbedder(clips -> List.of(), 2).run(failing, (w, x) -> {}, n -> {}));
    assertEquals("Cannot decode video x.mp4", e.getMessage());
  }

  /** Clips [i, i + 1] s whose single 1x1 frame has red = i. */
  private static List<SampledClip> clips(int count) {
    List<SampledClip> clips = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Clip clip = new Clip(List.of(new RgbFrame(1, 1, new byte[] {(byte) i, 0, 0})));
      clips.add(new SampledClip(new ClipWindow(i, i + 1), clip, List.of(i + 0.5)));
    }
    return clips;
  }
}
