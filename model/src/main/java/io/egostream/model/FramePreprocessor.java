package io.egostream.model;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Frames → the model's input: bring a frame to the model's image size S square (bicubic) as
 * {@link SvittConfig#resize()} says (squash the whole frame, or resize the shorter side and crop the centre), scale to
 * [0, 1], normalise per channel with the config's mean and std, lay out as (3, S, S).
 */
public final class FramePreprocessor {
  private final int size;
  private final SvittConfig.Resize resize;
  private final float[] mean;
  private final float[] std;

  public FramePreprocessor(SvittConfig config) {
    this.size = config.imageSize();
    this.resize = config.resize();
    this.mean = toArray(config.imageMean());
    this.std = toArray(config.imageStd());
  }

  /** Writes one frame as (3, S, S) floats into {@code out} starting at {@code offset}. */
  public void write(RgbFrame frame, float[] out, int offset) {
    byte[] rgb = resized(frame);
    int plane = size * size;
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        float value = (rgb[i * 3 + c] & 0xFF) / 255f;
        out[offset + c * plane + i] = (value - mean[c]) / std[c];
      }
    }
  }

  /** Floats a frame takes. */
  public int frameSize() {
    return 3 * size * size;
  }

  private byte[] resized(RgbFrame frame) {
    if (frame.width() == size && frame.height() == size) {
      return frame.rgb();
    }
    int scaledWidth = size;
    int scaledHeight = size;
    if (resize == SvittConfig.Resize.CROP) {
      double scale = (double) size / Math.min(frame.width(), frame.height());
      scaledWidth = Math.max(size, (int) Math.round(frame.width() * scale));
      scaledHeight = Math.max(size, (int) Math.round(frame.height() * scale));
    }
    BufferedImage target = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
    java.awt.Graphics2D g = target.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.drawImage(frame.toBgrImage(), -(scaledWidth - size) / 2, -(scaledHeight - size) / 2, scaledWidth, scaledHeight,
          null);
    } finally {
      g.dispose();
    }
    return RgbFrame.fromBgrImage(target).rgb();
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
