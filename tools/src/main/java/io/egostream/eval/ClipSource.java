package io.egostream.eval;

import io.egostream.data.NarratedClip;
import io.egostream.model.Clip;

/** Decodes the frames of a clip record; the evaluation's only contact with video files (tests plug in their own). */
@FunctionalInterface
public interface ClipSource {

  /** The clip's frames, sampled uniformly over its time range. */
  Clip load(NarratedClip record) throws ClipUnavailableException;
}
