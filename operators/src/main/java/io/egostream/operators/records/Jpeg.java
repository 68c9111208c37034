package io.egostream.operators.records;

import io.egostream.model.RgbFrame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/** JPEG ↔ {@link RgbFrame}, through the JDK's ImageIO (no native code). */
public final class Jpeg {
  private Jpeg() {}

  /**
   * Decodes a JPEG to RGB.
   *
   * @throws IOException with a readable reason when the bytes are not a decodable image
   */
  public static RgbFrame decode(byte[] jpeg) throws IOException {
    if (jpeg == null || jpeg.length == 0) {
      throw new IOException("empty image");
    }
    BufferedImage image;
    try {
      // A memory-cached stream: ImageIO.read(InputStream) would spool every frame through a temporary file.
      image = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg)));
    } catch (IOException | RuntimeException e) {
      throw new IOException("JPEG does not decode: " + e.getMessage(), e);
    }
    if (image == null) {
      throw new IOException("not an image ImageIO can read (" + jpeg.length + " bytes)");
    }
    if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
      // What ImageIO makes of a 3-component JPEG: its bytes are the pixels, no per-pixel colour-model calls.
      return RgbFrame.fromBgrImage(image);
    }
    int width = image.getWidth();
    int height = image.getHeight();
    int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
    byte[] rgb = new byte[width * height * 3];
    for (int i = 0; i < argb.length; i++) {
      rgb[i * 3] = (byte) (argb[i] >> 16);
      rgb[i * 3 + 1] = (byte) (argb[i] >> 8);
      rgb[i * 3 + 2] = (byte) argb[i];
    }
    return new RgbFrame(width, height, rgb);
  }

  /** Encodes RGB as a JPEG (ImageIO's default quality, 0.75). */
  public static byte[] encode(RgbFrame frame) {
    // Java 2D's byte layout: the writer reads the bytes as they are, not pixel by pixel through a colour model.
    BufferedImage image = frame.toBgrImage();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "jpeg", out)) {
        throw new IllegalStateException("This JDK has no JPEG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
