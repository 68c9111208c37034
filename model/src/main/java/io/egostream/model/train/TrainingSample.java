package io.egostream.model.train;

import io.egostream.model.Clip;
import java.util.Set;

/**
 * One clip-narration pair with its EgoClip-style tags ({@code tag_verb}, {@code tag_noun}), which decide the
 * EgoNCE positives.
 */
public record TrainingSample(Clip clip, String text, Set<String> verbs, Set<String> nouns) {

  public TrainingSample {
    verbs = Set.copyOf(verbs);
    nouns = Set.copyOf(nouns);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("Invalid training sample: empty narration");
    }
  }
}
