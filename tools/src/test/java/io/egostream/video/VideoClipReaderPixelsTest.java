package io.egostream.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egostream.model.RgbFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader converts only the frames it picks, with its own swscale call: its pixels must be exactly those JavaCV's
 * {@code grabImage()} gives for the same frame (what the reader returned before), scaled or not, on frames with
 * detail in every pixel.
 */
class VideoClipReaderPixelsTest {

  private static final int WIDTH = 150;
  private static final int HEIGHT = 98;
  private static final int FPS = 15;

  @TempDir static Path dir;
  private static Path video;

  @BeforeAll
  static void writeNoisyVideo() throws IOException {
    video = dir.resolve("noise.mp4");
    Random random = new Random(7);
    try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(video.toFile(), WIDTH, HEIGHT, 0)) {
      recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      recorder.setFrameRate(FPS);
      recorder.setGopSize(10);
      recorder.start();
      for (int i = 0; i < 6 * FPS; i++) {
        Frame frame = new Frame(WIDTH, HEIGHT, Frame.DEPTH_UBYTE, 3);
        ByteBuffer pixels = (ByteBuffer) frame.image[0];
        for (int y = 0; y < HEIGHT; y++) {
          for (int x = 0; x < WIDTH * 3; x++) {
            pixels.put(y * frame.imageStride + x, (byte) (x * 2 + y + i * 9 + random.nextInt(40)));
          }
        }
        recorder.record(frame, avutil.AV_PIX_FMT_RGB24);
      }
      recorder.stop();
    }
  }

  @Test
  void codedSizePixelsMatchJavaCvsConversion() throws IOException {
    assertSameAsGrabImage(0, WIDTH, HEIGHT);
  }

  @Test
  void scaledDownPixelsMatchJavaCvsConversion() throws IOException {
    assertSameAsGrabImage(49, 75, 49);
  }

  private static void assertSameAsGrabImage(int maxShortSide, int width, int height) throws IOException {
    Map<Long, byte[]> expected = grabImageFrames(width, height, maxShortSide > 0);
    int compared = 0;
    try (VideoClipReader reader = VideoClipReader.open(video, maxShortSide)) {
      Iterator<SampledClip> clips = reader.clips(new ClipSampling(2, 0.7, 5));
      while (clips.hasNext()) {
        SampledClip clip = clips.next();
        for (int f = 0; f < clip.frameSeconds().size(); f++) {
          RgbFrame frame = clip.clip().frames().get(f);
          assertEquals(width, frame.width());
          assertEquals(height, frame.height());
          long index = Math.round(clip.frameSeconds().get(f) * FPS);
          assertArrayEquals(expected.get(index), frame.rgb(), "frame " + index);
          compared++;
        }
      }
    }
    assertEquals(30, compared, "6 windows of 5 frames");
  }

  /** Every frame as JavaCV converts it to RGB24 itself (the reader's path before it converted lazily). */
  private static Map<Long, byte[]> grabImageFrames(int width, int height, boolean scaled) throws IOException {
    Map<Long, byte[]> frames = new HashMap<>();
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile())) {
      grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      grabber.start();
      if (scaled) {
        grabber.setImageWidth(width);
        grabber.setImageHeight(height);
        grabber.setImageScalingFlags(swscale.SWS_AREA);
      }
      for (Frame frame = grabber.grabImage(); frame != null; frame = grabber.grabImage()) {
        byte[] rgb = new byte[width * height * 3];
        ByteBuffer pixels = (ByteBuffer) frame.image[0];
        for (int row = 0; row < height; row++) {
          pixels.get(row * frame.imageStride, rgb, row * width * 3, width * 3);
        }
        frames.put(Math.round(frame.timestamp * FPS / 1e6), rgb);
      }
    }
    return frames;
  }
}
