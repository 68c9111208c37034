package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link BicubicResize} and {@link FramePreprocessor} against Java 2D's bicubic drawImage, byte for byte. */
class BicubicResizeTest {

  static Stream<Arguments> frames() {
    List<Arguments> cases = new ArrayList<>();
    int[][] sizes = {
        {160, 120, 112}, {640, 480, 112}, {160, 120, 224}, {120, 160, 112}, {120, 160, 224}, {640, 480, 224},
        {33, 17, 112}, {1, 1, 112}, {2, 3, 112}, {500, 7, 112}, {7, 500, 224}, {112, 200, 112}, {200, 112, 112},
        {112, 112, 224}, {224, 224, 112}, {113, 111, 112}, {1, 300, 32}, {300, 1, 32}, {1920, 1080, 224}};
    for (int[] s : sizes) {
      for (SvittConfig.Resize mode : SvittConfig.Resize.values()) {
        cases.add(Arguments.of(s[0], s[1], s[2], mode));
      }
    }
    Random random = new Random(11);
    for (int i = 0; i < 40; i++) {
      int size = new int[] {16, 32, 112, 224}[random.nextInt(4)];
      cases.add(Arguments.of(1 + random.nextInt(700), 1 + random.nextInt(500), size,
          SvittConfig.Resize.values()[random.nextInt(2)]));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}x{1} to {2} {3}")
  @MethodSource("frames")
  void equalsJava2dOnRandomPixels(int width, int height, int size, SvittConfig.Resize mode) {
    byte[] rgb = new byte[width * height * 3];
    new Random(width * 31L + height).nextBytes(rgb);
    RgbFrame frame = new RgbFrame(width, height, rgb);
    byte[] expected = java2d(frame, size, mode);
    assertArrayEquals(expected, resize(frame, size, mode));
    assertWritesTheNormalisedBytes(frame, size, mode, expected);
  }

  @Test
  void equalsJava2dWhereOvershootSaturates() {
    // A 0/255 checkerboard makes the negative lobes of the bicubic kernel overshoot both ends of [0, 255].
    for (int[] s : new int[][] {{160, 120, 112}, {160, 120, 224}, {31, 29, 112}, {640, 480, 112}}) {
      byte[] rgb = new byte[s[0] * s[1] * 3];
      for (int y = 0; y < s[1]; y++) {
        for (int x = 0; x < s[0]; x++) {
          for (int c = 0; c < 3; c++) {
            rgb[(y * s[0] + x) * 3 + c] = (byte) (((x + y + c) & 1) * 255);
          }
        }
      }
      RgbFrame frame = new RgbFrame(s[0], s[1], rgb);
      for (SvittConfig.Resize mode : SvittConfig.Resize.values()) {
        assertArrayEquals(java2d(frame, s[2], mode), resize(frame, s[2], mode), s[0] + "x" + s[1] + " " + mode);
      }
    }
  }

  @Test
  void oneResizerServesFramesOfChangingSizes() {
    FramePreprocessor pre = new FramePreprocessor(config(112, SvittConfig.Resize.CROP));
    Random random = new Random(5);
    for (int[] s : new int[][] {{160, 120}, {640, 480}, {160, 120}, {33, 17}}) {
      byte[] rgb = new byte[s[0] * s[1] * 3];
      random.nextBytes(rgb);
      RgbFrame frame = new RgbFrame(s[0], s[1], rgb);
      float[] out = new float[pre.frameSize()];
      pre.write(frame, out, 0);
      assertArrayEquals(normalised(java2d(frame, 112, SvittConfig.Resize.CROP), 112, SvittConfig.Resize.CROP), out);
    }
  }

  @Test
  void threadsSharingOnePreprocessorGetJava2dsBytes() throws Exception {
    FramePreprocessor pre = new FramePreprocessor(config(112, SvittConfig.Resize.CROP));
    Random random = new Random(9);
    List<RgbFrame> frames = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int[] s : new int[][] {{160, 120}, {640, 480}, {120, 160}, {33, 17}}) {
      byte[] rgb = new byte[s[0] * s[1] * 3];
      random.nextBytes(rgb);
      RgbFrame frame = new RgbFrame(s[0], s[1], rgb);
      frames.add(frame);
      expected.add(normalised(java2d(frame, 112, SvittConfig.Resize.CROP), 112, SvittConfig.Resize.CROP));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        runs.add(pool.submit(() -> {
          float[] out = new float[pre.frameSize()];
          for (int i = 0; i < 200; i++) { // frame sizes change under the other threads' feet
            int f = (first + i) % frames.size();
            pre.write(frames.get(f), out, 0);
            assertArrayEquals(expected.get(f), out, "frame " + f);
          }
        }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesAScaledSizeThatDoesNotCoverTheSquare() {
    RgbFrame frame = new RgbFrame(2, 2, new byte[12]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BicubicResize(112).apply(frame, 111, 112, new float[3][256], new float[3 * 112 * 112], 0));
    assertEquals("Invalid scaled size 111x112: both sides must be at least the output's 112 (scale the frame to "
        + "cover the square)", e.getMessage());
  }

  private static void assertWritesTheNormalisedBytes(RgbFrame frame, int size, SvittConfig.Resize mode,
      byte[] java2d) {
    FramePreprocessor pre = new FramePreprocessor(config(size, mode));
    float[] out = new float[pre.frameSize() + 5];
    pre.write(frame, out, 5);
    float[] expected = normalised(java2d, size, mode);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], out[5 + i], 0f, "value " + i);
    }
  }

  /** The normalisation formula over Java 2D's RGB bytes, in (3, S, S). */
  private static float[] normalised(byte[] rgb, int size, SvittConfig.Resize mode) {
    SvittConfig config = config(size, mode);
    int plane = size * size;
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        out[c * plane + i] = ((rgb[i * 3 + c] & 0xFF) / 255f - config.imageMean().get(c)) / config.imageStd().get(c);
      }
    }
    return out;
  }

  private static SvittConfig config(int size, SvittConfig.Resize mode) {
    SvittConfig.Builder preset = mode == SvittConfig.Resize.CROP ? SvittConfig.tiny().toBuilder()
        : SvittConfig.base().toBuilder();
    SvittConfig config = preset.imageSize(size).build();
    assertEquals(mode, config.resize());
    return config;
  }

  /** BicubicResize's bytes, interleaved RGB as {@link #java2d}: through a lookup that writes each byte as is. */
  private static byte[] resize(RgbFrame frame, int size, SvittConfig.Resize mode) {
    int[] scaled = scaled(frame, size, mode);
    float[][] identity = new float[3][256];
    for (float[] channel : identity) {
      for (int v = 0; v < 256; v++) {
        channel[v] = v;
      }
    }
    int plane = size * size;
    float[] planes = new float[3 * plane];
    new BicubicResize(size).apply(frame, scaled[0], scaled[1], identity, planes, 0);
    byte[] rgb = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        rgb[i * 3 + c] = (byte) planes[c * plane + i];
      }
    }
    return rgb;
  }

  private static int[] scaled(RgbFrame frame, int size, SvittConfig.Resize mode) {
    if (mode == SvittConfig.Resize.SQUASH) {
      return new int[] {size, size};
    }
    double scale = (double) size / Math.min(frame.width(), frame.height());
    return new int[] {Math.max(size, (int) Math.round(frame.width() * scale)),
        Math.max(size, (int) Math.round(frame.height() * scale))};
  }

  /** The reference: what the preprocessor did before, Java 2D's bicubic drawImage onto a black square, as RGB. */
  private static byte[] java2d(RgbFrame frame, int size, SvittConfig.Resize mode) {
    int[] scaled = scaled(frame, size, mode);
    BufferedImage target = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = target.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.drawImage(frame.toBgrImage(), -(scaled[0] - size) / 2, -(scaled[1] - size) / 2, scaled[0], scaled[1], null);
    } finally {
      g.dispose();
    }
    return RgbFrame.fromBgrImage(target).rgb();
  }
}
