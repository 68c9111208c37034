package io.egostream.model;

/**
 * How well a text matches a clip, by the fusion encoder and its image-text matching head ({@code itm_head}).
 *
 * @param fusedCls the fusion encoder's output at the text's [CLS] token, {@link SvittConfig#textWidth()} floats
 * @param itmLogits the two logits of {@code itm_head}: no match, match
 * @param keptVideoTokens per fusion layer that pruned the video tokens ({@link SvittConfig#fusionPruneLayers()}), the
 *     original indices (frame-major, 0-based, [CLS] excluded) of the patch tokens the later layers saw, ascending;
 *     no rows when the fusion encoder does not prune ({@link SvittConfig#fusionKeepRate()} 1)
 */
public record ItmMatch(float[] fusedCls, float[] itmLogits, int[][] keptVideoTokens) {

  /** The raw match logit, {@code itm_head(…)[1]}: what the released evaluation ranks candidates by. */
  public float score() {
    return itmLogits[1];
  }
}
