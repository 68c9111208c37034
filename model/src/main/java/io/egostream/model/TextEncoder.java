package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT, split as in SViTT: the first layers encode text alone (the text embedding is their [CLS]); the last
 * {@link SvittConfig#fusionLayers()} add cross-attention to the video and make the fusion encoder, with text-guided
 * pruning of the visual tokens.
 *
 * <p>Dimensions: B texts, Lt tokens, D width, Lv visual tokens, Dv video width, H heads.
 */
final class TextEncoder {
  /** BERT's additive mask value for padding keys. */
  private static final float MASKED = -10000f;

  private final SvittConfig config;
  private final Param wordEmbeddings;
  private final Param positionEmbeddings;
  private final Param tokenTypeEmbeddings;
  private final LayerNorm embeddingNorm;
  private final List<BertLayer> textLayers = new ArrayList<>();
  private final List<BertLayer> fusionLayers = new ArrayList<>();

  TextEncoder(StateDict sd, String prefix, SvittConfig c) {
    this.config = c;
    int width = c.textWidth();
    wordEmbeddings = sd.declare(prefix + ".embeddings.word_embeddings.weight",
        new Shape(c.vocabSize(), width), Init.weights());
    positionEmbeddings = sd.declare(prefix + ".embeddings.position_embeddings.weight",
        new Shape(c.maxPositions(), width), Init.weights());
    tokenTypeEmbeddings = sd.declare(prefix + ".embeddings.token_type_embeddings.weight",
        new Shape(c.typeVocabSize(), width), Init.weights());
    embeddingNorm = new LayerNorm(sd, prefix + ".embeddings.LayerNorm", width, c.layerNormEps());
    for (int i = 0; i < c.textLayers(); i++) {
      boolean fusion = i >= c.textOnlyLayers();
      (fusion ? fusionLayers : textLayers).add(new BertLayer(sd, prefix + ".encoder.layer." + i, c, fusion));
    }
  }

  /** Additive key mask (B, 1, 1, Lt) from an attention mask (B, Lt) of 1 (token) and 0 (padding). */
  static NDArray keyMask(NDArray attentionMask) {
    long[] s = attentionMask.getShape().getShape();
    return attentionMask.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
        .sub(1f).mul(-MASKED).reshape(s[0], 1, 1, s[1]);
  }

  /** Text mode: token ids (B, Lt) → hidden states (B, Lt, D) of the last text-only layer. */
  NDArray encodeText(NDArray ids, NDArray keyMask) {
    long length = ids.getShape().get(1);
    NDArray positions = ids.getManager().arange(0L, length, 1L, ai.djl.ndarray.types.DataType.INT64);
    NDArray x = Ops.rows(wordEmbeddings.array(), ids)
        .add(Ops.rows(positionEmbeddings.array(), positions))
        .add(tokenTypeEmbeddings.array().get("0:1")); // every token is segment 0
    x = embeddingNorm.forward(x);
    for (BertLayer layer : textLayers) {
      x = layer.forward(x, keyMask);
    }
    return x;
  }

  /**
   * What the fusion encoder produced.
   *
   * @param text fused text hidden states (B, Lt, D)
   * @param kept per fusion layer that pruned, the kept patches (B, k) as ascending indices into the patches that
   *     entered that layer ([CLS] excluded, always kept)
   */
  record Fused(NDArray text, List<NDArray> kept) {}

  /**
   * Fusion mode: text hidden states (B, Lt, D) attend to the video tokens (B, Lv, Dv) already normalised by
   * {@code vision_layernorm}. After the cross-attention of each layer in {@link SvittConfig#fusionPruneLayers()},
   * the later layers see only the visual [CLS] and the top q_m share of patches by the text [CLS]'s attention, in
   * their original order (none pruned at q_m = 1).
   */
  Fused fuse(NDArray text, NDArray keyMask, NDArray video) {
    NDArray x = text;
    List<NDArray> keptPerLayer = new ArrayList<>();
    for (int i = 0; i < fusionLayers.size(); i++) {
      Attended out = fusionLayers.get(i).forward(x, keyMask, video);
      x = out.out();
      if (config.fusionPruneLayers().contains(i) && config.fusionKeepRate() < 1f) {
        int patches = Math.toIntExact(video.getShape().get(1) - 1);
        NDArray kept = Ops.topKInOrder(out.clsProbs().mean(new int[] {1}).get(":, 1:"),
            SvittConfig.keptTokens(patches, config.fusionKeepRate())); // (B, k)
        video = video.get(":, 0:1").concat(Ops.gatherTokens(video.get(":, 1:"), kept), 1);
        keptPerLayer.add(kept);
      }
    }
    return new Fused(x, keptPerLayer);
  }
}
