package io.egostream.video;

import io.egostream.model.Clip;
import java.util.List;

/**
 * One clip cut from a video.
 *
 * @param window the time range it stands for
 * @param clip its frames, in time order
 * @param frameSeconds for each frame, the time of the decoded frame that was picked (nearest to the wanted time)
 */
public record SampledClip(ClipWindow window, Clip clip, List<Double> frameSeconds) {

  public SampledClip {
    frameSeconds = List.copyOf(frameSeconds);
    if (frameSeconds.size() != clip.frames().size()) {
      throw new IllegalArgumentException("Invalid sampled clip: " + clip.frames().size() + " frames but "
          + frameSeconds.size() + " frame times");
    }
  }
}
