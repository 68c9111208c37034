package io.egostream.model;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * One decoded video frame: 8-bit RGB, row-major, 3 bytes a pixel, any size (the model resizes it).
 *
 * @param width pixels per row
 * @param height rows
 * @param rgb {@code width * height * 3} bytes, R G B interleaved
 */
public record RgbFrame(int width, int height, byte[] rgb) {

  public RgbFrame {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "Invalid frame size " + width + "x" + height + ": both sides must be positive");
    }
    if (rgb == null || rgb.length != (long) width * height * 3) {
      throw new IllegalArgumentException("Invalid frame of " + width + "x" + height + ": expected "
          + ((long) width * height * 3) + " bytes of interleaved RGB (3 channels), got "
          + (rgb == null ? "null" : rgb.length + " (" + channelHint(width, height, rgb.length) + ")"));
    }
  }

  /** The pixels of a {@link BufferedImage#TYPE_3BYTE_BGR} image (Java 2D's byte layout), reordered to RGB. */
  public static RgbFrame fromBgrImage(BufferedImage image) {
    if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      throw new IllegalArgumentException("Invalid image type " + image.getType() + ": expected TYPE_3BYTE_BGR ("
          + BufferedImage.TYPE_3BYTE_BGR + ")");
    }
    byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    return new RgbFrame(image.getWidth(), image.getHeight(), swapRedBlue(bgr));
  }

  /** This frame as a new {@link BufferedImage#TYPE_3BYTE_BGR} image, for Java 2D to draw or scale. */
  public BufferedImage toBgrImage() {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    byte[] bgr = swapRedBlue(rgb);
    System.arraycopy(bgr, 0, ((DataBufferByte) image.getRaster().getDataBuffer()).getData(), 0, bgr.length);
    return image;
  }

  /** RGB to BGR or back: the same swap of the first and third byte of every pixel, into a new array. */
  private static byte[] swapRedBlue(byte[] pixels) {
    byte[] out = new byte[pixels.length];
    for (int i = 0; i < pixels.length; i += 3) {
      out[i] = pixels[i + 2];
      out[i + 1] = pixels[i + 1];
      out[i + 2] = pixels[i];
    }
    return out;
  }

  private static String channelHint(int width, int height, int bytes) {
    long pixels = (long) width * height;
    if (bytes % pixels == 0) {
      return bytes / pixels + " bytes a pixel; convert to 3-channel RGB first";
    }
    return "not a whole number of pixels";
  }
}
