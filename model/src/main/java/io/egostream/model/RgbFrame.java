package io.egostream.model;

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

  private static String channelHint(int width, int height, int bytes) {
    long pixels = (long) width * height;
    if (bytes % pixels == 0) {
      return bytes / pixels + " bytes a pixel; convert to 3-channel RGB first";
    }
    return "not a whole number of pixels";
  }
}
