package io.egostream.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.RgbFrame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads real mpeg4 files whose frame colours encode their index (see {@link TestVideos}). */
class VideoClipReaderTest {

  @TempDir static Path dir;
  private static Path tenSeconds;
  private static Path threeSeconds;

  @BeforeAll
  static void writeVideos() throws IOException {
    tenSeconds = TestVideos.write(dir.resolve("ten-seconds.mp4"), 100);
    threeSeconds = TestVideos.write(dir.resolve("three-seconds.avi"), 30);
  }

  @Test
  void reportsWhatTheContainerSays() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(tenSeconds)) {
      VideoInfo info = reader.info();
      assertEquals(10.0, info.durationSeconds(), 0.05);
      assertEquals(TestVideos.WIDTH, info.width());
      assertEquals(TestVideos.HEIGHT, info.height());
      assertEquals(TestVideos.FPS, info.frameRate(), 1e-6);
      assertEquals("mpeg4", info.codec());
      assertEquals(tenSeconds, info.file());
    }
  }

  @Test
  void slidingClipsPickTheFramesAtTheCentresOfTheirSlices() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(tenSeconds)) {
      List<SampledClip> clips = all(reader.clips(new ClipSampling(4, 2, 4)));
      assertEquals(4, clips.size());
      for (int k = 0; k < clips.size(); k++) {
        SampledClip clip = clips.get(k);
        assertEquals(new ClipWindow(2 * k, 2 * k + 4), clip.window());
        // Frame i of window k wanted at 2k + i + 0.5 s = frame 20k + 10i + 5.
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          expected.add(20 * k + 10 * i + 5);
        }
        assertEquals(expected, indices(clip), "clip " + k);
        assertEquals(times(expected), clip.frameSeconds(), "clip " + k);
      }
    }
  }

  @Test
  void wantedTimesBetweenFramesGetTheNearestFrame() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(tenSeconds)) {
      // Window [0, 4] with 3 frames: 0.667 s, 2.0 s, 3.333 s -> frames 7, 20, 33.
      SampledClip first = reader.clips(new ClipSampling(4, 4, 3)).next();
      assertEquals(List.of(7, 20, 33), indices(first));
    }
  }

  @Test
  void aVideoShorterThanOneClipGivesOneClipOverAllOfIt() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(threeSeconds)) {
      List<SampledClip> clips = all(reader.clips(new ClipSampling(4, 2, 4)));
      assertEquals(1, clips.size());
      assertEquals(new ClipWindow(0, 3), clips.get(0).window());
      // 0.375, 1.125, 1.875, 2.625 s -> nearest frames 4, 11, 19, 26.
      assertEquals(List.of(4, 11, 19, 26), indices(clips.get(0)));
    }
  }

  @Test
  void rangeClipsSeekForwardAndBackward() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(tenSeconds)) {
      SampledClip later = reader.clip(3.0, 7.0, 4); // 3.5, 4.5, 5.5, 6.5 s
      assertEquals(List.of(35, 45, 55, 65), indices(later));
      assertEquals(new ClipWindow(3, 7), later.window());
      SampledClip earlier = reader.clip(1.0, 2.2, 3); // 1.2, 1.6, 2.0 s
      assertEquals(List.of(12, 16, 20), indices(earlier));
      SampledClip fromStart = reader.clip(0, 0.4, 2); // 0.1, 0.3 s
      assertEquals(List.of(1, 3), indices(fromStart));
      SampledClip atTheEnd = reader.clip(9.0, 10.0, 2); // 9.25 -> 9.2, 9.75 -> 9.7 (tie with 9.8 goes earlier)
      assertEquals(List.of(92, 97), indices(atTheEnd));
      // Whole-video iteration after seeks starts again from the beginning.
      assertEquals(List.of(5, 15, 25, 35), indices(reader.clips(new ClipSampling(4, 2, 4)).next()));
    }
  }

  @Test
  void rangesOutsideTheVideoAreRejected() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(tenSeconds)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reader.clip(12, 14, 4));
      assertTrue(e.getMessage().contains("only 10.0 s long"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> reader.clip(5, 4, 4));
    }
  }

  @Test
  void scalesFramesDownWhileDecoding() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(tenSeconds, 25)) {
      SampledClip clip = reader.clip(5.0, 6.0, 1);
      RgbFrame frame = clip.clip().frames().get(0);
      assertEquals(33, frame.width());
      assertEquals(25, frame.height());
      assertEquals(List.of(55), indices(clip));
      assertEquals(TestVideos.WIDTH, reader.info().width(), "info keeps the coded size");
    }
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = dir.resolve("no-such-video.mp4");
    IOException e = assertThrows(IOException.class, () -> VideoClipReader.open(missing));
    assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("no-such-video.mp4"), e.getMessage());
  }

  @Test
  void randomBytesAreReportedAsUnreadable() throws IOException {
    byte[] noise = new byte[64 * 1024];
    new Random(7).nextBytes(noise);
    Path corrupt = Files.write(dir.resolve("noise.mp4"), noise);
    IOException e = assertThrows(IOException.class, () -> VideoClipReader.open(corrupt));
    assertTrue(e.getMessage().contains("noise.mp4"), e.getMessage());
  }

  @Test
  void aTruncatedFileIsReportedAsUnreadable() throws IOException {
    byte[] video = Files.readAllBytes(tenSeconds);
    Path truncated = Files.write(dir.resolve("truncated.mp4"), Arrays.copyOf(video, video.length / 2));
    IOException e = assertThrows(IOException.class, () -> VideoClipReader.open(truncated));
    assertTrue(e.getMessage().contains("truncated.mp4"), e.getMessage());
  }

  @Test
  void audioOnlyFilesHaveNoVideoStream() throws IOException {
    Path wav = TestVideos.writeWav(dir.resolve("silence.wav"));
    IOException e = assertThrows(IOException.class, () -> VideoClipReader.open(wav));
    assertTrue(e.getMessage().contains("no video stream") && e.getMessage().contains("silence.wav"), e.getMessage());
  }

  @Test
  void emptyFilesAndFoldersAreNamed() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.mp4"));
    assertTrue(assertThrows(IOException.class, () -> VideoClipReader.open(empty)).getMessage().contains("empty"));
    assertTrue(assertThrows(IOException.class, () -> VideoClipReader.open(dir)).getMessage().contains("directory"));
  }

  @Test
  void iterationEndsCleanly() throws IOException {
    try (VideoClipReader reader = VideoClipReader.open(threeSeconds)) {
      Iterator<SampledClip> clips = reader.clips(new ClipSampling(1, 1, 1));
      assertEquals(3, all(clips).size());
      assertFalse(clips.hasNext());
    }
  }

  private static List<SampledClip> all(Iterator<SampledClip> clips) {
    List<SampledClip> list = new ArrayList<>();
    clips.forEachRemaining(list::add);
    return list;
  }

  private static List<Integer> indices(SampledClip clip) {
    List<Integer> indices = new ArrayList<>();
    for (RgbFrame frame : clip.clip().frames()) {
      indices.add(TestVideos.indexOf(frame));
    }
    return indices;
  }

  private static List<Double> times(List<Integer> frameIndices) {
    List<Double> times = new ArrayList<>();
    for (int index : frameIndices) {
      times.add(index / (double) TestVideos.FPS);
    }
    return times;
  }
}
