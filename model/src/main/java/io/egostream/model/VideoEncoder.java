package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * SViTT's video encoder: BEiT over the patches of T frames, with block-sparse attention (edge sparsity) and [CLS]
 * attention token pruning (node sparsity).
 *
 * <p>Dimensions: B clips, T frames, S pixels a side, p patch side, G = S/p patches a side, N patch tokens alive
 * (T·G² before pruning), L = 1 + N with [CLS], D width, H heads.
 */
final class VideoEncoder {
  private final SvittConfig config;
  private final Param clsToken;
  private final Param patchWeight;
  private final Param patchBias;
  private final List<BeitLayer> layers = new ArrayList<>();
  private final LayerNorm pooler;
  private final RelativePositions relativePositions;

  VideoEncoder(StateDict sd, String prefix, SvittConfig c) {
    this.config = c;
    int width = c.visionWidth();
    clsToken = sd.declare(prefix + ".embeddings.cls_token", new Shape(1, 1, width), Init.weights());
    patchWeight = sd.declare(prefix + ".embeddings.patch_embeddings.projection.weight",
        new Shape(width, 3, c.patchSize(), c.patchSize()), Init.weights());
    patchBias = sd.declare(prefix + ".embeddings.patch_embeddings.projection.bias", new Shape(width), Init.zeros());
    AttentionKernel kernel = c.sparseAttention() ? new BlockSparseAttention(c) : new DenseAttention();
    for (int i = 0; i < c.visionLayers(); i++) {
      layers.add(new BeitLayer(sd, prefix + ".encoder.layer." + i, c, kernel, i));
    }
    pooler = new LayerNorm(sd, prefix + ".pooler.layernorm", width, c.layerNormEps());
    relativePositions = new RelativePositions(c.frames(), c.gridSize());
  }

  /**
   * What the encoder produced for a batch.
   *
   * @param tokens last hidden state (B, L, D), [CLS] first
   * @param pooled mean of the patch tokens after the pooler's LayerNorm (B, D)
   * @param stages token positions of each stage: the input, then after each pruning layer
   */
  record Output(NDArray tokens, NDArray pooled, List<TokenPositions> stages) {}

  /** pixels (B, T, 3, S, S), normalised, at the config's keep rate. */
  Output forward(NDArray pixels) {
    return forward(pixels, config.keepRate());
  }

  /**
   * pixels (B, T, 3, S, S), normalised, keeping {@code keepRate} (q_v, in (0, 1]) of the patch tokens at each pruning
   * layer instead of the config's: the same result as a model whose config has that keep rate, with these weights.
   */
  Output forward(NDArray pixels, float keepRate) {
    NDArray x = embed(pixels); // (B, 1 + T·G², D)
    TokenPositions positions = TokenPositions.all(config.patchTokens(), relativePositions);
    List<TokenPositions> stages = new ArrayList<>(List.of(positions));
    for (int i = 0; i < layers.size(); i++) {
      BeitLayer layer = layers.get(i);
      NDArray in = x;
      TokenPositions at = positions;
      Attended out = Ops.scoped(() -> layer.forward(in, at), a -> List.of(a.out(), a.clsProbs()));
      x = out.out();
      if (config.pruneLayers().contains(i)) {
        if (keepRate < 1f) {
          int patches = Math.toIntExact(x.getShape().get(1) - 1);
          NDArray kept = Ops.topKInOrder(out.clsProbs().mean(new int[] {1}).get(":, 1:"), // (B, N)
              SvittConfig.keptTokens(patches, keepRate)); // (B, k)
          x = x.get(":, 0:1").concat(Ops.gatherTokens(x.get(":, 1:"), kept), 1);
          positions = positions.keep(kept);
        }
        stages.add(positions);
      }
    }
    NDArray pooled = pooler.forward(x.get(":, 1:").mean(new int[] {1})); // (B, D)
    return new Output(x, pooled, stages);
  }

  /** Patch embedding (a stride-p convolution, as a matmul over flattened patches) with [CLS] in front. */
  private NDArray embed(NDArray pixels) {
    long[] s = pixels.getShape().getShape();
    long batch = s[0];
    long frames = s[1];
    int p = config.patchSize();
    int g = config.gridSize();
    int width = config.visionWidth();
    NDArray patches = pixels.reshape(batch * frames, 3, g, p, g, p)
        .transpose(0, 2, 4, 1, 3, 5) // (B·T, G, G, 3, p, p): row-major patches, (c, kh, kw) inside
        .reshape(batch * frames * g * g, 3L * p * p);
    NDArray tokens = ai.djl.nn.core.Linear.linear(
            patches, patchWeight.array().reshape(width, 3L * p * p), patchBias.array())
        .singletonOrThrow()
        .reshape(batch, frames * g * g, width); // (B, T·G², D), frame-major
    NDArray cls = clsToken.array().broadcast(batch, 1, width);
    return cls.concat(tokens, 1);
  }
}
