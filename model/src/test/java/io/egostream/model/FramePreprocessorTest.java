package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FramePreprocessorTest {
  private final SvittConfig config = SvittConfig.tiny().toBuilder().imageSize(32).build(); // tiny crops
  private final FramePreprocessor pre = new FramePreprocessor(config);

  @Test
  void normalisesWithBeitsMeanAndStdInChannelPlanes() {
    byte[] rgb = new byte[32 * 32 * 3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = (byte) 255; // R = 1 → (1 - 0.5) / 0.5 = 1
      rgb[i + 1] = 0; // G = 0 → -1
      rgb[i + 2] = (byte) 128; // B → 0.0039
    }
    float[] out = new float[pre.frameSize()];
    pre.write(new RgbFrame(32, 32, rgb), out, 0);
    int plane = 32 * 32;
    assertEquals(1f, out[0], 1e-6);
    assertEquals(-1f, out[plane + 7], 1e-6);
    assertEquals((128 / 255f - 0.5f) / 0.5f, out[2 * plane + 100], 1e-6);
  }

  @Test
  void everyValueIsTheNormalisationFormulaToTheBit() {
    byte[] rgb = new byte[32 * 32 * 3];
    new java.util.Random(3).nextBytes(rgb);
    float[] out = new float[pre.frameSize()];
    pre.write(new RgbFrame(32, 32, rgb), out, 0);
    int plane = 32 * 32;
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        float expected = ((rgb[i * 3 + c] & 0xFF) / 255f - config.imageMean().get(c)) / config.imageStd().get(c);
        assertEquals(expected, out[c * plane + i], 0f, "pixel " + i + ", channel " + c);
      }
    }
  }

  @Test
  void resizesTheShorterSideAndCropsTheCentre() {
    // 96×32: left third red, middle third green, right third blue. The centre crop keeps only green.
    assertEquals(SvittConfig.Resize.CROP, config.resize());
    float[] out = new float[pre.frameSize()];
    pre.write(thirds(), out, 0);
    int plane = 32 * 32;
    for (int i = 0; i < plane; i += 37) {
      assertEquals(-1f, out[i], 0.05, "no red");
      assertEquals(1f, out[plane + i], 0.05, "all green");
      assertEquals(-1f, out[2 * plane + i], 0.05, "no blue");
    }
  }

  @Test
  void squashesTheWholeFrameToTheSquareAsTheReleasedTransform() {
    SvittConfig released = SvittConfig.base().toBuilder().imageSize(32).build();
    assertEquals(SvittConfig.Resize.SQUASH, released.resize(), "base, what a converted checkpoint runs, squashes");
    FramePreprocessor squash = new FramePreprocessor(released);
    float[] out = new float[squash.frameSize()];
    squash.write(thirds(), out, 0);
    int plane = 32 * 32;
    for (int row = 0; row < 32; row += 5) {
      for (int x : new int[] {2, 16, 29}) { // inside each third, away from the bicubic seams at 10.7 and 21.3
        int i = row * 32 + x;
        int channel = x * 3 / 32;
        for (int c = 0; c < 3; c++) {
          assertEquals(c == channel ? 1f : -1f, out[c * plane + i], 0.05, "row " + row + ", x " + x + ", channel " + c);
        }
      }
    }
  }

  /** 96×32: left third red, middle third green, right third blue. */
  private static RgbFrame thirds() {
    int w = 96;
    int h = 32;
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        rgb[(y * w + x) * 3 + x / 32] = (byte) 255;
      }
    }
    return new RgbFrame(w, h, rgb);
  }
}
