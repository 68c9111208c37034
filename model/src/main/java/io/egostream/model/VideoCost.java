package io.egostream.model;

import java.util.List;

/**
 * The analytic cost of one clip through the video encoder: multiply-accumulates and attention query-key pairs, from
 * the config alone. The same counting for sparse and dense makes their ratio the speed-up the architecture allows.
 *
 * @param flops floating-point operations (2 per multiply-accumulate) of the patch embedding and all layers
 * @param attentionPairs query-key pairs scored over all layers, [CLS] included; a sparse patch query counts every
 *     key of its blocks (1 + blocks·size), as the spec does
 */
public record VideoCost(double flops, long attentionPairs) {

  public static VideoCost of(SvittConfig c) {
    long width = c.visionWidth();
    double macs = (double) c.patchTokens() * width * 3 * c.patchSize() * c.patchSize();
    long pairs = 0;
    List<Integer> stages = c.tokensPerStage();
    int stage = 0;
    for (int layer = 0; layer < c.visionLayers(); layer++) {
      long patches = stages.get(stage);
      long tokens = patches + 1;
      long layerPairs = attentionPairs(c, patches, layer);
      pairs += layerPairs;
      macs += tokens * (4.0 * width * width + 2.0 * width * c.visionMlpDim()) + 2.0 * layerPairs * width;
      if (c.pruneLayers().contains(layer)) {
        stage++;
      }
    }
    return new VideoCost(2 * macs, pairs);
  }

  private static long attentionPairs(SvittConfig c, long patches, int layer) {
    long tokens = patches + 1;
    if (!c.sparseAttention()) {
      return tokens * tokens;
    }
    int numBlocks = Math.toIntExact((patches + c.blockSize() - 1) / c.blockSize());
    int blocksPerQuery = BlockPattern.of(numBlocks, c.localBlocks(), c.randomBlocks(), c.attentionSeed(), layer)
        .blocksPerQuery();
    return patches * (1L + (long) blocksPerQuery * c.blockSize()) + tokens;
  }

  public double gflops() {
    return flops / 1e9;
  }
}
