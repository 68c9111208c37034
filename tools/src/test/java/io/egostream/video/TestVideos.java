package io.egostream.video;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.RgbFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Small real videos whose frames spell out their own index in solid colour: red = (i % 10) * 25, green = (i / 10) *
 * 25, blue = 128. Steps of 25 survive the YUV 4:2:0 round trip of mpeg4 (errors seen: up to 4).
 */
public final class TestVideos {

  static final int FPS = 10;
  /** Deliberately not a multiple of FFmpeg's row alignment, so decoded rows carry padding. */
  static final int WIDTH = 66;
  static final int HEIGHT = 50;
  static final int MAX_FRAMES = 100;
  private static final int STEP = 25;
  private static final int TOLERANCE = 10;

  private TestVideos() {}

  /** Writes {@code frames} frames at {@link #FPS} (mpeg4 video; the container follows the file extension). */
  public static Path write(Path file, int frames) throws IOException {
    if (frames > MAX_FRAMES) {
      throw new IllegalArgumentException("The colour code covers " + MAX_FRAMES + " frames");
    }
    try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), WIDTH, HEIGHT, 0)) {
      recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      recorder.setFrameRate(FPS);
      recorder.setVideoQuality(1); // best mpeg4 quantiser: keeps the colour code readable
      recorder.start();
      for (int i = 0; i < frames; i++) {
        recorder.record(solidFrame(i), avutil.AV_PIX_FMT_RGB24);
      }
      recorder.stop();
    }
    return file;
  }

  /** Index of the frame a decoded picture shows; fails if any pixel strays from the solid colour. */
  public static int indexOf(RgbFrame frame) {
    byte[] rgb = frame.rgb();
    int red = rgb[0] & 0xff;
    int green = rgb[1] & 0xff;
    int index = Math.round(green / (float) STEP) * 10 + Math.round(red / (float) STEP);
    int[] expected = colourOf(index);
    for (int p = 0; p < rgb.length; p += 3) {
      for (int c = 0; c < 3; c++) {
        int value = rgb[p + c] & 0xff;
        int pixel = p / 3;
        assertTrue(Math.abs(value - expected[c]) <= TOLERANCE, "pixel (" + pixel % frame.width() + ", "
            + pixel / frame.width() + ") channel " + c + " is " + value + ", expected about " + expected[c]
            + " for frame " + index);
      }
    }
    return index;
  }

  static int[] colourOf(int index) {
    return new int[] {(index % 10) * STEP, (index / 10) * STEP, 128};
  }

  /** One second of 8 kHz mono silence as a WAV file: a media file without a video stream. */
  static Path writeWav(Path file) throws IOException {
    int samples = 8000;
    ByteBuffer wav = ByteBuffer.allocate(44 + samples * 2).order(ByteOrder.LITTLE_ENDIAN);
    wav.put("RIFF".getBytes()).putInt(36 + samples * 2).put("WAVE".getBytes());
    wav.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(8000).putInt(16000)
        .putShort((short) 2).putShort((short) 16);
    wav.put("data".getBytes()).putInt(samples * 2);
    return Files.write(file, wav.array());
  }

  private static Frame solidFrame(int index) {
    Frame frame = new Frame(WIDTH, HEIGHT, Frame.DEPTH_UBYTE, 3);
    ByteBuffer pixels = (ByteBuffer) frame.image[0];
    int[] colour = colourOf(index);
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        int offset = y * frame.imageStride + x * 3;
        pixels.put(offset, (byte) colour[0]).put(offset + 1, (byte) colour[1]).put(offset + 2, (byte) colour[2]);
      }
    }
    return frame;
  }
}
