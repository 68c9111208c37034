package io.egostream.model;

import java.util.SplittableRandom;

/** How a parameter starts before training: the initialisers BEiT and BERT use. */
sealed interface Init {

  /**
   * Fills {@code out} from {@code random}; {@code initializerRange} is the model's
   * {@link SvittConfig#initializerRange}, which {@link #weights()} follows.
   */
  void fill(float[] out, SplittableRandom random, float initializerRange);

  static Init zeros() {
    return constant(0f);
  }

  static Init ones() {
    return constant(1f);
  }

  static Init constant(float value) {
    return new Constant(value);
  }

  /** Normal(0, std²) cut at ±2 std, as timm's trunc_normal_ (BEiT) and close to BERT's normal(0.02). */
  static Init truncNormal(float std) {
    return new TruncNormal(std);
  }

  /**
   * A weight matrix or embedding: {@link #truncNormal} with the model's initializer range as std (BERT's
   * {@code initializer_range}, timm's 0.02 for BEiT).
   */
  static Init weights() {
    return new Weights();
  }

  record Weights() implements Init {
    @Override
    public void fill(float[] out, SplittableRandom random, float initializerRange) {
      new TruncNormal(initializerRange).fill(out, random, initializerRange);
    }
  }

  record Constant(float value) implements Init {
    @Override
    public void fill(float[] out, SplittableRandom random, float initializerRange) {
      java.util.Arrays.fill(out, value);
    }
  }

  record TruncNormal(float std) implements Init {
    @Override
    public void fill(float[] out, SplittableRandom random, float initializerRange) {
      for (int i = 0; i < out.length; i++) {
        double z;
        do {
          z = gaussian(random);
        } while (Math.abs(z) > 2);
        out[i] = (float) (z * std);
      }
    }

    private static double gaussian(SplittableRandom random) {
      // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
      double u = 1 - random.nextDouble();
      double v = random.nextDouble();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
  }
}
