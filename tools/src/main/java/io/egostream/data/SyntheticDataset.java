package io.egostream.data;

import io.egostream.world.Recording;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Which recordings a {@code gen-data} run makes and which split each goes to. Everything derives from the settings'
 * seed: the same settings give the same recordings, splits and pixels.
 */
public final class SyntheticDataset {

  private SyntheticDataset() {}

  public static List<SyntheticRecording> plan(GenDataSettings s) {
    List<Split> splits = assignSplits(s);
    List<SyntheticRecording> recordings = new ArrayList<>();
    for (int i = 0; i < s.recordings(); i++) {
      // One independent stream per recording, so that recording i is the same whatever --recordings says.
      long recordingSeed = mix(s.seed(), i);
      recordings.add(new SyntheticRecording(videoUid(s.seed(), i), splits.get(i),
          Recording.generate(recordingSeed, s.objects(), s.actionsPerRecording())));
    }
    return recordings;
  }

  /** E.g. {@code synth-s42-00007}: the seed is part of it, so datasets of different seeds can share a folder. */
  static String videoUid(long seed, int index) {
    return String.format(Locale.ROOT, "synth-s%d-%05d", seed, index);
  }

  /** Shuffled assignment: train, val, test counts are the rounded fractions, the test split takes the remainder. */
  private static List<Split> assignSplits(GenDataSettings s) {
    int n = s.recordings();
    int train = (int) Math.round(n * s.splitFractions().get(0));
    int val = Math.min(n - train, (int) Math.round(n * s.splitFractions().get(1)));
    List<Split> splits = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      splits.add(i < train ? Split.TRAIN : i < train + val ? Split.VAL : Split.TEST);
    }
    Collections.shuffle(splits, new Random(mix(s.seed(), -1)));
    return splits;
  }

  /** SplitMix64's finaliser: well-spread seeds from (seed, index). */
  static long mix(long seed, long index) {
    long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
