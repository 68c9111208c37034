package io.egostream.model;

/**
 * A clip in the joint video-text space.
 *
 * @param vector L2-normalised embedding, {@link SvittConfig#embedDim()} floats
 * @param keptTokens per pruning stage, the original indices (frame-major, 0-based, [CLS] excluded) of the patch tokens
 *     that survived it, in ascending order; stage 0 is the input (every patch)
 */
public record ClipEmbedding(float[] vector, int[][] keptTokens) {

  /** Patch tokens alive in each stage: 784, 549, 385, 270 for base at 4 frames and q_v 0.7. */
  public int[] keptTokensPerStage() {
    int[] counts = new int[keptTokens.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = keptTokens[i].length;
    }
    return counts;
  }
}
