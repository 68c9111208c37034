package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class RgbFrameTest {

  @Test
  void aBgrImageBecomesRgbAndBack() {
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_3BYTE_BGR);
    image.setRGB(0, 0, 0x102030);
    image.setRGB(1, 0, 0xA0B0C0);

    RgbFrame frame = RgbFrame.fromBgrImage(image);

    assertEquals(2, frame.width());
    assertEquals(1, frame.height());
    assertArrayEquals(new byte[] {0x10, 0x20, 0x30, (byte) 0xA0, (byte) 0xB0, (byte) 0xC0}, frame.rgb());
    BufferedImage back = frame.toBgrImage();
    assertEquals(0x102030, back.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0xA0B0C0, back.getRGB(1, 0) & 0xFFFFFF);
  }

  @Test
  void anImageOfAnotherLayoutIsRefused() {
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    assertThrows(IllegalArgumentException.class, () -> RgbFrame.fromBgrImage(image));
  }
}
