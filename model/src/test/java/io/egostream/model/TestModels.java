package io.egostream.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small models and synthetic clips for tests (also the operators module's, through this module's test-jar). */
public final class TestModels {
  private TestModels() {}

  /**
   * The tiny architecture shrunk further so a forward pass takes milliseconds: 2 frames of 64 px (32 patches), blocks
   * of 8 (4 blocks, so 1 local + 1 random does not reach them all), pruning after layers 0 and 1.
   */
  public static SvittConfig micro() {
    return SvittConfig.tiny().toBuilder()
        .name("micro")
        .frames(2)
        .imageSize(64)
        .visionLayers(3)
        .visionWidth(32)
        .visionHeads(2)
        .visionMlpDim(64)
        .blockSize(8)
        .randomBlocks(1)
        .pruneLayers(List.of(0, 1))
        .vocabSize(600)
        .maxTextLength(12)
        .textLayers(4)
        .fusionLayers(2)
        .textWidth(32)
        .textHeads(2)
        .textMlpDim(64)
        .embedDim(16)
        .build();
  }

  /** The parameter named {@code name} (a state-dict key) of {@code model}. */
  public static Param param(SvittEgo model, String name) {
    return model.stateDict().params().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  /** A clip of {@code frames} frames of random colours and noise, different for every seed. */
  static Clip randomClip(int frames, int width, int height, long seed) {
    Random random = new Random(seed);
    List<RgbFrame> out = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      byte[] rgb = new byte[width * height * 3];
      random.nextBytes(rgb);
      out.add(new RgbFrame(width, height, rgb));
    }
    return new Clip(out);
  }
}
