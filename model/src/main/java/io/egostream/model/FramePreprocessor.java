package io.egostream.model;

import java.util.List;

/**
 * Frames → the model's input: bring a frame to the model's image size S square (bicubic) as
 * {@link SvittConfig#resize()} says (squash the whole frame, or resize the shorter side and crop the centre), scale to
 * [0, 1], normalise per channel with the config's mean and std, lay out as (3, S, S). Thread-safe.
 */
public final class FramePreprocessor {
  private final int size;
  private final SvittConfig.Resize resize;
  /**
   * {@code normalised[c][v]}: channel {@code c}'s byte {@code v} scaled and normalised, {@code (v / 255 − mean) / std}
   * in float as written, so that a lookup gives the same bits as the arithmetic at a fraction of its cost (two
   * divisions for each of the 3 × S × S values of every frame were a quarter of the inference thread's Java time).
   */
  private final float[][] normalised = new float[3][256];
  private final BicubicResize bicubic;

  public FramePreprocessor(SvittConfig config) {
    this.size = config.imageSize();
    this.resize = config.resize();
    this.bicubic = new BicubicResize(size);
    float[] mean = toArray(config.imageMean());
    float[] std = toArray(config.imageStd());
    for (int c = 0; c < 3; c++) {
      for (int v = 0; v < 256; v++) {
        normalised[c][v] = (v / 255f - mean[c]) / std[c];
      }
    }
  }

  /** Writes one frame as (3, S, S) floats into {@code out} starting at {@code offset}. */
  public void write(RgbFrame frame, float[] out, int offset) {
    if (frame.width() == size && frame.height() == size) {
      writePlanes(frame.rgb(), out, offset, size * size);
    } else {
      resize(frame, out, offset);
    }
  }

  /** Floats a frame takes. */
  public int frameSize() {
    return 3 * size * size;
  }

  /** Interleaved RGB pixels into normalised channel planes, R then G then B. */
  private void writePlanes(byte[] rgb, float[] out, int offset, int plane) {
    for (int c = 0; c < 3; c++) {
      float[] table = normalised[c];
      int to = offset + c * plane;
      for (int i = 0; i < plane; i++) {
        out[to + i] = table[rgb[i * 3 + c] & 0xFF];
      }
    }
  }

  /** The frame brought to S × S (bicubic) as Java 2D's bicubic {@code drawImage} does it, written normalised. */
  private void resize(RgbFrame frame, float[] out, int offset) {
    int scaledWidth = size;
    int scaledHeight = size;
    if (resize == SvittConfig.Resize.CROP) {
      double scale = (double) size / Math.min(frame.width(), frame.height());
      scaledWidth = Math.max(size, (int) Math.round(frame.width() * scale));
      scaledHeight = Math.max(size, (int) Math.round(frame.height() * scale));
    }
    bicubic.apply(frame, scaledWidth, scaledHeight, normalised, out, offset);
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
