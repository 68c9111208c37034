package io.egostream.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The frames of one clip in time order, sampled uniformly from its time range; the model wants exactly
 * {@link SvittConfig#frames()} of them.
 */
public record Clip(List<RgbFrame> frames) {

  public Clip {
    frames = List.copyOf(frames);
    if (frames.isEmpty()) {
      throw new IllegalArgumentException("Invalid clip: it has no frames");
    }
  }

  /** The same frames in reverse order: the clip played backwards. */
  public Clip reversed() {
    List<RgbFrame> backwards = new ArrayList<>(frames);
    Collections.reverse(backwards);
    return new Clip(backwards);
  }
}
