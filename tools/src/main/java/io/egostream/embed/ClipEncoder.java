package io.egostream.embed;

import io.egostream.model.Clip;
import io.egostream.model.ClipEmbedding;
import java.util.List;

/** Turns a batch of clips into embeddings, one per clip, in order ({@code SvittEgo::embedClips} in production). */
@FunctionalInterface
public interface ClipEncoder {

  List<ClipEmbedding> embedClips(List<Clip> clips);
}
