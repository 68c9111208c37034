package io.egostream.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.RgbFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame-picking logic on synthetic 1x1 frames whose red value is their index. */
class NearestFrameSamplerTest {

  /** A 1x1 frame at {@code seconds} whose red channel is {@code index}. */
  private record FakeFrame(double seconds, int index) implements DecodedFrame {
    @Override
    public int width() {
      return 1;
    }

    @Override
    public int height() {
      return 1;
    }

    @Override
    public void copyRgbTo(byte[] target) {
      target[0] = (byte) index;
      target[1] = 0;
      target[2] = 0;
    }

    @Override
    public DecodedFrame keep() {
      return this;
    }
  }

  @Test
  void eachWantedTimeGetsTheNearestFrameAndTheEarlierOneOnATie() {
    // Frames every 0.4 s; wanted times 0.25, 0.75, 1.25, 1.75 in [0, 2].
    List<SampledClip> clips = run(List.of(new ClipWindow(0, 2)), 4, 0.4, 10);
    assertEquals(1, clips.size());
    assertEquals(List.of(1, 2, 3, 4), indices(clips.get(0)));
    assertEquals(List.of(0.4, 0.8, 1.2, 1.6), rounded(clips.get(0).frameSeconds()));

    // Spacings that are exact in binary, so the ties below are real ties.
    List<SampledClip> onAFrame = run(List.of(new ClipWindow(0, 1)), 1, 0.25, 8); // wanted 0.5 = frame 2's time
    assertEquals(List.of(2), indices(onAFrame.get(0)));
    List<SampledClip> ties = run(List.of(new ClipWindow(0.5, 1.5)), 2, 0.5, 8); // 0.75 and 1.25: half-way
    assertEquals(List.of(1, 2), indices(ties.get(0)));
  }

  @Test
  void overlappingWindowsShareFramesAndCompleteInOrder() {
    List<ClipWindow> windows = List.of(new ClipWindow(0, 4), new ClipWindow(2, 6), new ClipWindow(4, 8));
    List<SampledClip> clips = run(windows, 4, 0.5, 20);
    assertEquals(3, clips.size());
    assertEquals(List.of(1, 3, 5, 7), indices(clips.get(0)));
    assertEquals(List.of(5, 7, 9, 11), indices(clips.get(1)));
    assertEquals(List.of(9, 11, 13, 15), indices(clips.get(2)));
    assertSame(clips.get(0).clip().frames().get(2), clips.get(1).clip().frames().get(0), "one copy per frame");
    for (int i = 0; i < clips.size(); i++) {
      assertEquals(windows.get(i), clips.get(i).window());
    }
  }

  @Test
  void clipsAreHandedOutAsSoonAsTheirLastFrameIsDecided() {
    NearestFrameSampler sampler =
        new NearestFrameSampler(List.of(new ClipWindow(0, 2), new ClipWindow(2, 4)).iterator(), 2);
    int firstCompletedAt = -1;
    for (int i = 0; i < 40 && firstCompletedAt < 0; i++) {
      if (!sampler.offer(new FakeFrame(i / 10.0, i)).isEmpty()) {
        firstCompletedAt = i;
      }
    }
    assertEquals(16, firstCompletedAt); // wanted 1.5 is settled by the first frame after it
  }

  @Test
  void stopsAskingForFramesOnceEveryWindowIsDone() {
    NearestFrameSampler sampler = new NearestFrameSampler(List.of(new ClipWindow(0, 1)).iterator(), 2);
    int offered = 0;
    while (!sampler.done()) {
      sampler.offer(new FakeFrame(offered / 10.0, offered));
      offered++;
    }
    assertEquals(9, offered); // the last wanted time is 0.75, settled by the frame at 0.8
  }

  @Test
  void wantedTimesAfterTheLastFrameGetTheLastFrameAndWindowsPastTheEndAreDropped() {
    NearestFrameSampler sampler = new NearestFrameSampler(
        List.of(new ClipWindow(0, 4), new ClipWindow(2, 6), new ClipWindow(8, 12)).iterator(), 4);
    List<SampledClip> clips = new ArrayList<>();
    for (int i = 0; i <= 4; i++) { // frames at 0, 1, 2, 3, 4 s: the video ends before its last window
      clips.addAll(sampler.offer(new FakeFrame(i, i)));
    }
    clips.addAll(sampler.finish());
    assertEquals(2, clips.size());
    assertEquals(List.of(0, 1, 2, 3), indices(clips.get(0))); // 0.5 is a tie: the earlier frame
    assertEquals(List.of(2, 3, 4, 4), indices(clips.get(1)));
    assertEquals(1, sampler.windowsPastEnd());
    assertTrue(sampler.done());
  }

  @Test
  void duplicateTimestampsKeepTheFirstFrame() {
    NearestFrameSampler sampler = new NearestFrameSampler(List.of(new ClipWindow(0, 1)).iterator(), 1);
    sampler.offer(new FakeFrame(0.4, 1));
    sampler.offer(new FakeFrame(0.4, 2));
    List<SampledClip> clips = sampler.offer(new FakeFrame(0.8, 3));
    assertEquals(List.of(1), indices(clips.get(0)));
  }

  @Test
  void wantedTimesBeforeTheFirstFrameGetTheFirstFrame() {
    List<SampledClip> clips = run(List.of(new ClipWindow(0, 1)), 2, 1.0, 3, 0.6);
    assertEquals(List.of(0, 0), indices(clips.get(0)));
  }

  private static List<SampledClip> run(List<ClipWindow> windows, int framesPerClip, double spacing, int frames) {
    return run(windows, framesPerClip, spacing, frames, 0);
  }

  private static List<SampledClip> run(
      List<ClipWindow> windows, int framesPerClip, double spacing, int frames, double firstFrameSeconds) {
    NearestFrameSampler sampler = new NearestFrameSampler(windows.iterator(), framesPerClip);
    List<SampledClip> clips = new ArrayList<>();
    for (int i = 0; i < frames && !sampler.done(); i++) {
      clips.addAll(sampler.offer(new FakeFrame(firstFrameSeconds + i * spacing, i)));
    }
    clips.addAll(sampler.finish());
    assertTrue(sampler.done());
    return clips;
  }

  private static List<Integer> indices(SampledClip clip) {
    List<Integer> indices = new ArrayList<>();
    for (RgbFrame frame : clip.clip().frames()) {
      indices.add(frame.rgb()[0] & 0xff);
    }
    return indices;
  }

  private static List<Double> rounded(List<Double> seconds) {
    List<Double> rounded = new ArrayList<>();
    for (double s : seconds) {
      rounded.add(Math.round(s * 1000) / 1000.0);
    }
    return rounded;
  }
}
