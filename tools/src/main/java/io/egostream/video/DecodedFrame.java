package io.egostream.video;

/**
 * A frame straight from the decoder. Its pixels are only valid until the next frame is decoded, so whoever keeps
 * one must copy it.
 */
interface DecodedFrame {

  /** Presentation time, seconds from the first video frame. */
  double seconds();

  int width();

  int height();

  /** Copies the pixels as tightly packed RGB rows ({@code width * 3} bytes each) into {@code target}. */
  void copyRgbTo(byte[] target);

  /**
   * This frame, still readable after the next frame is decoded: valid until the next {@code keep()} of the same
   * source. Cheap (a reference to the decoder's buffer, no pixel copy), so a sampler can hold its previous frame
   * without converting every frame it passes.
   */
  DecodedFrame keep();
}
