package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Checks of the PNG charts the bench and eval commands draw with {@link LineChart}. */
final class ChartFiles {
  private ChartFiles() {}

  /** A PNG image of the chart's size. */
  static void assertPng(Path file) throws IOException {
    BufferedImage image = ImageIO.read(file.toFile());
    assertNotNull(image, file + " is not an image");
    assertEquals(900, image.getWidth());
    assertEquals(500, image.getHeight());
  }
}
