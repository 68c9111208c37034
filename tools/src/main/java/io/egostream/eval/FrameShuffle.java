package io.egostream.eval;

import io.egostream.data.NarratedClip;
import io.egostream.model.Clip;
import io.egostream.model.Permutations;
import io.egostream.model.RgbFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The temporal-reasoning check: a clip's frames in a seeded random order. A model that only looks at appearance scores
 * a shuffled clip like the original; one that uses time cannot tell "picks up" from "puts down" any more.
 *
 * <p>The permutation depends only on the seed and the clip (video and time range), not on the question, batching or
 * evaluation order, so a clip shared by several questions is shuffled the same way in all of them; it is never the
 * identity (that would leave the clip unchanged and hide the check's effect); a 1-frame clip is left as it
 * is.
 */
public final class FrameShuffle {

  private final long seed;

  public FrameShuffle(long seed) {
    this.seed = seed;
  }

  public Clip apply(Clip clip, NarratedClip record) {
    List<RgbFrame> frames = clip.frames();
    if (frames.size() < 2) {
      return clip;
    }
    long clipSeed = seed * 1_000_003L + record.videoUid().hashCode() * 31L
        + Double.hashCode(record.clipStart()) * 17L + Double.hashCode(record.clipEnd());
    int[] order = permutation(frames.size(), new SplittableRandom(clipSeed));
    List<RgbFrame> shuffled = new ArrayList<>();
    for (int i : order) {
      shuffled.add(frames.get(i));
    }
    return new Clip(shuffled);
  }

  /** A uniformly random non-identity permutation of 0..n-1 (rejection sampling; n >= 2). */
  static int[] permutation(int n, SplittableRandom random) {
    while (true) {
      int[] order = Permutations.shuffled(n, random);
      for (int i = 0; i < n; i++) {
        if (order[i] != i) {
          return order;
        }
      }
    }
  }
}
