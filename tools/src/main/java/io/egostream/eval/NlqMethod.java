package io.egostream.eval;

import java.util.Locale;

/** How a moment is searched for, from today's behaviour to the full pipeline; {@link #key()} is its name. */
public enum NlqMethod {
  /** The stream's fixed clips, best cosine first: what a moment query answered before moments (the baseline). */
  WINDOWS,
  /** Those clips merged into moments by temporal NMS ({@code MomentRules#suppress}). */
  MOMENTS,
  /** Moments whose best candidates are re-embedded over ranges around them, each becoming its best range. */
  REFINED,
  /** Refined moments re-ordered by the fusion encoder's image-text matching logit. */
  RERANK;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
