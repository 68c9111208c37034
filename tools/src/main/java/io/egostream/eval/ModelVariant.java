package io.egostream.eval;

import ai.djl.Device;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The same weights run another way: dense attention without pruning, another keep rate q_v, another frame count.
 *
 * <p>The folder's weights are loaded under a changed config; a frame count other than the trained one works because
 * loading resamples the relative position tables along time.
 *
 * @param dense full attention everywhere and keep rate 1 (the dense baseline)
 * @param keepRate q_v to use instead of the folder's, or null
 * @param frames frames per clip instead of the folder's, or null
 */
public record ModelVariant(boolean dense, Float keepRate, Integer frames) {

  public ModelVariant {
    if (dense && keepRate != null && keepRate != 1f) {
      throw new IllegalArgumentException("Invalid value " + keepRate + " for keep rate: dense evaluation keeps every "
          + "token (q_v 1); drop --keep-rate or --dense");
    }
    if (keepRate != null && !(keepRate > 0 && keepRate <= 1)) {
      throw new IllegalArgumentException("Invalid value " + keepRate + " for keep rate: must be in (0, 1]");
    }
    if (frames != null && frames < 1) {
      throw new IllegalArgumentException("Invalid value " + frames + " for frames: must be at least 1");
    }
  }

  public SvittEgo load(Path modelDir, Device device) throws IOException {
    return SvittEgo.load(modelDir, device, this::apply);
  }

  /** The folder's config changed as this variant says. */
  SvittConfig apply(SvittConfig config) {
    SvittConfig.Builder b = (dense ? config.dense() : config).toBuilder();
    if (keepRate != null) {
      b.keepRate(keepRate);
    }
    if (frames != null) {
      b.frames(frames);
    }
    return b.build();
  }
}
