package io.egostream.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;

/**
 * Every hyper-parameter of a SViTT-Ego model, as written to a model folder's {@code config.json}.
 *
 * <p>{@link #base()} is the paper's model, run as the released code runs it (so a converted checkpoint of the authors'
 * answers as theirs does); {@link #tiny()} has the same architecture at a size that trains and runs on two CPU cores.
 * Change a preset with {@link #toBuilder()}; {@link Builder#build()} validates.
 *
 * @param name preset name, carried into the model id of every embedding
 * @param trained false for a randomly initialised model folder, so nobody mistakes it for a real one
 * @param frames T, frames per clip (the 3D relative position window's time axis)
 * @param imageSize frame side in pixels after preprocessing
 * @param resize how a frame becomes {@code imageSize} square (see {@link Resize})
 * @param patchSize side of a square patch
 * @param visionLayers BEiT layers
 * @param visionWidth BEiT hidden size
 * @param visionHeads BEiT attention heads
 * @param visionMlpDim BEiT MLP hidden size
 * @param layerScaleInit initial lambda_1/lambda_2 (BEiT layer scale)
 * @param sparseAttention edge sparsity; false runs plain full attention in every video layer
 * @param blockSize patch tokens per attention block (56 = 4 rows of 14 at 224 px)
 * @param localBlocks blocks of the local window (1 = the query's own block)
 * @param randomBlocks random extra blocks per query block
 * @param attentionSeed seed of the random block pattern (see {@link BlockPattern})
 * @param redrawRandomBlocks true draws the random blocks afresh on every forward pass, as the released code does, so
 *     the same clip can get a different embedding each time; false keeps the seeded pattern (reproducible)
 * @param maskPaddedKeys true masks the padding of the last block; false reproduces the released code, where padded
 *     keys are zero vectors that still take softmax mass
 * @param keepRate q_v, share of patch tokens kept at each pruning layer (1 = no pruning)
 * @param pruneLayers 0-indexed video layers after which tokens are pruned
 * @param fusionKeepRate q_m, share of visual tokens kept by text-guided pruning in the fusion encoder (1 = no
 *     pruning, as the released evaluation runs: its configs set q_m under a key its code never reads)
 * @param fusionPruneLayers fusion layers (0 = first fusion layer) after whose cross-attention visual tokens are pruned
 * @param vocabSize WordPiece vocabulary size (lines of vocab.txt)
 * @param maxTextLength token budget of a text, special tokens included
 * @param specialTokens the special tokens around a text's word pieces (see {@link SpecialTokens})
 * @param maxPositions rows of BERT's position embedding table (512 in BERT-base)
 * @param textLayers BERT layers in all (text-only + fusion)
 * @param fusionLayers the last BERT layers, which add cross-attention to the video
 * @param textWidth BERT hidden size
 * @param textHeads BERT attention heads
 * @param textMlpDim BERT intermediate size
 * @param typeVocabSize BERT token type vocabulary
 * @param embedDim size of the joint video-text embedding space
 * @param layerNormEps epsilon of every LayerNorm
 * @param imageMean per-channel mean subtracted after scaling pixels to [0, 1]
 * @param imageStd per-channel standard deviation divided by after that
 * @param tempInit initial similarity temperature
 * @param initializerRange std of every weight matrix and embedding at initialisation (BERT's {@code
 *     initializer_range}; timm's 0.02 for BEiT); matters only for a model trained from random weights
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SvittConfig(
    String name,
    boolean trained,
    int frames,
    int imageSize,
    Resize resize,
    int patchSize,
    int visionLayers,
    int visionWidth,
    int visionHeads,
    int visionMlpDim,
    float layerScaleInit,
    boolean sparseAttention,
    int blockSize,
    int localBlocks,
    int randomBlocks,
    long attentionSeed,
    boolean redrawRandomBlocks,
    boolean maskPaddedKeys,
    float keepRate,
    List<Integer> pruneLayers,
    float fusionKeepRate,
    List<Integer> fusionPruneLayers,
    int vocabSize,
    int maxTextLength,
    SpecialTokens specialTokens,
    int maxPositions,
    int textLayers,
    int fusionLayers,
    int textWidth,
    int textHeads,
    int textMlpDim,
    int typeVocabSize,
    int embedDim,
    float layerNormEps,
    List<Float> imageMean,
    List<Float> imageStd,
    float tempInit,
    float initializerRange) {

  public SvittConfig {
    pruneLayers = List.copyOf(pruneLayers);
    fusionPruneLayers = List.copyOf(fusionPruneLayers);
    imageMean = List.copyOf(imageMean);
    imageStd = List.copyOf(imageStd);
  }

  /** How a frame that is not {@code image_size} square is brought to it. */
  public enum Resize {
    /** Straight to image_size × image_size, bicubic, aspect not kept: the released evaluation transform. */
    @JsonProperty("squash") SQUASH,
    /** Shorter side to image_size (bicubic), then the centre square: nothing is stretched, the sides are lost. */
    @JsonProperty("crop") CROP
  }

  /** The special tokens around the word pieces X of a text. */
  public enum SpecialTokens {
    /** {@code [CLS] X}: what the released tokenizer builds for a single text. */
    @JsonProperty("cls") CLS,
    /** {@code [CLS] X [SEP]}: BERT's usual single-sentence layout, what the tiny models here are trained with. */
    @JsonProperty("cls_sep") CLS_SEP
  }

  /**
   * The paper's model: BEiT-B/16 video encoder at 224 px, BERT-base text and fusion encoders, 4 frames, q_v 0.7, run
   * as the released evaluation runs it: frames squashed to 224 px, texts as [CLS] X, no fusion pruning.
   */
  public static SvittConfig base() {
    return new Builder()
        .name("base")
        .frames(4)
        .imageSize(224)
        .patchSize(16)
        .visionLayers(12)
        .visionWidth(768)
        .visionHeads(12)
        .visionMlpDim(3072)
        .blockSize(56)
        .pruneLayers(List.of(3, 6, 9))
        .vocabSize(30522)
        .textLayers(12)
        .fusionLayers(3)
        .textWidth(768)
        .textHeads(12)
        .textMlpDim(3072)
        .build();
  }

  /**
   * Same architecture, small enough to train on two CPU cores: 112 px frames (7×7 patches), 6 layers, 192 wide,
   * frames cropped to the centre square, texts as [CLS] X [SEP], fusion pruning q_m 0.1 after the first fusion layer.
   * Blocks are 4 rows of 7 patches, as base's are 4 rows of 14; pruning sits after layers 1, 3 and 4 so that, as in
   * base, the last stage still has layers to run. It starts from random weights, not from pretrained BEiT and BERT,
   * so it takes layer scale 1 and weights of std 0.07 (≈ 1/√192): with BEiT's 0.1 and BERT's 0.02 every clip and
   * every narration start at nearly the same embedding (cosine 0.97 and 1.00) and EgoNCE collapses them further.
   */
  public static SvittConfig tiny() {
    return new Builder()
        .name("tiny")
        .frames(4)
        .imageSize(112)
        .resize(Resize.CROP)
        .patchSize(16)
        .visionLayers(6)
        .visionWidth(192)
        .visionHeads(3)
        .visionMlpDim(768)
        .blockSize(28)
        .pruneLayers(List.of(1, 3, 4))
        .fusionKeepRate(0.1f)
        .fusionPruneLayers(List.of(0))
        .vocabSize(1024)
        .specialTokens(SpecialTokens.CLS_SEP)
        .maxPositions(64)
        .textLayers(6)
        .fusionLayers(2)
        .textWidth(192)
        .textHeads(3)
        .textMlpDim(768)
        .layerScaleInit(1f)
        .initializerRange(0.07f)
        .build();
  }

  /** A preset by name: {@code base} or {@code tiny}. */
  public static SvittConfig preset(String name) {
    return switch (name) {
      case "base" -> base();
      case "tiny" -> tiny();
      default -> throw new IllegalArgumentException(
          "Invalid value " + name + " for preset: unknown (use base or tiny)");
    };
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The same model run as the dense baseline: full attention in every layer and no token pruning. */
  public SvittConfig dense() {
    return toBuilder().sparseAttention(false).keepRate(1f).build();
  }

  /** Patches along one side of a frame. */
  public int gridSize() {
    return imageSize / patchSize;
  }

  public int patchesPerFrame() {
    return gridSize() * gridSize();
  }

  /** Patch tokens of a clip before any pruning ([CLS] excluded). */
  public int patchTokens() {
    return frames * patchesPerFrame();
  }

  public int textOnlyLayers() {
    return textLayers - fusionLayers;
  }

  /**
   * Patch tokens ([CLS] excluded) entering the first layer and leaving each pruning layer: 784, 549, 385, 270 for base.
   */
  public List<Integer> tokensPerStage() {
    List<Integer> counts = new ArrayList<>();
    int n = patchTokens();
    counts.add(n);
    for (int ignored : pruneLayers) {
      n = keptTokens(n, keepRate);
      counts.add(n);
    }
    return counts;
  }

  /** Tokens kept out of {@code n} at keep rate {@code q}: ceil(q·n), as the released code does. */
  static int keptTokens(int n, float q) {
    // The epsilon undoes float rounding of q: 0.6f * 565 is 339.0000135, and the released code (double 0.6) keeps 339.
    return Math.max(1, (int) Math.ceil((double) q * n - 1e-4));
  }

  /** Validating builder; every field starts at the base preset's value, or at the paper's value where both agree. */
  public static final class Builder {
    private String name = "custom";
    private boolean trained = false;
    private int frames = 4;
    private int imageSize = 224;
    private Resize resize = Resize.SQUASH; // the released evaluation transform
    private int patchSize = 16;
    private int visionLayers = 12;
    private int visionWidth = 768;
    private int visionHeads = 12;
    private int visionMlpDim = 3072;
    private float layerScaleInit = 0.1f;
    private boolean sparseAttention = true;
    private int blockSize = 56;
    private int localBlocks = 1;
    private int randomBlocks = 3;
    private long attentionSeed = 0;
    private boolean redrawRandomBlocks = false;
    private boolean maskPaddedKeys = true;
    private float keepRate = 0.7f;
    private List<Integer> pruneLayers = List.of(3, 6, 9);
    private float fusionKeepRate = 1f; // the released evaluation never prunes in the fusion encoder
    private List<Integer> fusionPruneLayers = List.of(1);
    private int vocabSize = 30522;
    private int maxTextLength = 32;
    private SpecialTokens specialTokens = SpecialTokens.CLS; // the released tokenizer's single-text layout
    private int maxPositions = 512;
    private int textLayers = 12;
    private int fusionLayers = 3;
    private int textWidth = 768;
    private int textHeads = 12;
    private int textMlpDim = 3072;
    private int typeVocabSize = 2;
    private int embedDim = 256;
    private float layerNormEps = 1e-12f;
    // BEiT's normalisation (mean = std = 0.5), as the released data loaders use for the BEiT backbone.
    private List<Float> imageMean = List.of(0.5f, 0.5f, 0.5f);
    private List<Float> imageStd = List.of(0.5f, 0.5f, 0.5f);
    private float tempInit = 0.07f;
    private float initializerRange = 0.02f;

    public Builder() {}

    Builder(SvittConfig c) {
      name = c.name;
      trained = c.trained;
      frames = c.frames;
      imageSize = c.imageSize;
      resize = c.resize;
      patchSize = c.patchSize;
      visionLayers = c.visionLayers;
      visionWidth = c.visionWidth;
      visionHeads = c.visionHeads;
      visionMlpDim = c.visionMlpDim;
      layerScaleInit = c.layerScaleInit;
      sparseAttention = c.sparseAttention;
      blockSize = c.blockSize;
      localBlocks = c.localBlocks;
      randomBlocks = c.randomBlocks;
      attentionSeed = c.attentionSeed;
      redrawRandomBlocks = c.redrawRandomBlocks;
      maskPaddedKeys = c.maskPaddedKeys;
      keepRate = c.keepRate;
      pruneLayers = c.pruneLayers;
      fusionKeepRate = c.fusionKeepRate;
      fusionPruneLayers = c.fusionPruneLayers;
      vocabSize = c.vocabSize;
      maxTextLength = c.maxTextLength;
      specialTokens = c.specialTokens;
      maxPositions = c.maxPositions;
      textLayers = c.textLayers;
      fusionLayers = c.fusionLayers;
      textWidth = c.textWidth;
      textHeads = c.textHeads;
      textMlpDim = c.textMlpDim;
      typeVocabSize = c.typeVocabSize;
      embedDim = c.embedDim;
      layerNormEps = c.layerNormEps;
      imageMean = c.imageMean;
      imageStd = c.imageStd;
      tempInit = c.tempInit;
      initializerRange = c.initializerRange;
    }

    public Builder name(String v) { name = v; return this; }
    public Builder trained(boolean v) { trained = v; return this; }
    public Builder frames(int v) { frames = v; return this; }
    public Builder imageSize(int v) { imageSize = v; return this; }
    public Builder resize(Resize v) { resize = v; return this; }
    public Builder patchSize(int v) { patchSize = v; return this; }
    public Builder visionLayers(int v) { visionLayers = v; return this; }
    public Builder visionWidth(int v) { visionWidth = v; return this; }
    public Builder visionHeads(int v) { visionHeads = v; return this; }
    public Builder visionMlpDim(int v) { visionMlpDim = v; return this; }
    public Builder layerScaleInit(float v) { layerScaleInit = v; return this; }
    public Builder sparseAttention(boolean v) { sparseAttention = v; return this; }
    public Builder blockSize(int v) { blockSize = v; return this; }
    public Builder localBlocks(int v) { localBlocks = v; return this; }
    public Builder randomBlocks(int v) { randomBlocks = v; return this; }
    public Builder attentionSeed(long v) { attentionSeed = v; return this; }
    public Builder redrawRandomBlocks(boolean v) { redrawRandomBlocks = v; return this; }
    public Builder maskPaddedKeys(boolean v) { maskPaddedKeys = v; return this; }
    public Builder keepRate(float v) { keepRate = v; return this; }
    public Builder pruneLayers(List<Integer> v) { pruneLayers = v; return this; }
    public Builder fusionKeepRate(float v) { fusionKeepRate = v; return this; }
    public Builder fusionPruneLayers(List<Integer> v) { fusionPruneLayers = v; return this; }
    public Builder vocabSize(int v) { vocabSize = v; return this; }
    public Builder maxTextLength(int v) { maxTextLength = v; return this; }
    public Builder specialTokens(SpecialTokens v) { specialTokens = v; return this; }
    public Builder maxPositions(int v) { maxPositions = v; return this; }
    public Builder textLayers(int v) { textLayers = v; return this; }
    public Builder fusionLayers(int v) { fusionLayers = v; return this; }
    public Builder textWidth(int v) { textWidth = v; return this; }
    public Builder textHeads(int v) { textHeads = v; return this; }
    public Builder textMlpDim(int v) { textMlpDim = v; return this; }
    public Builder typeVocabSize(int v) { typeVocabSize = v; return this; }
    public Builder embedDim(int v) { embedDim = v; return this; }
    public Builder layerNormEps(float v) { layerNormEps = v; return this; }
    public Builder imageMean(List<Float> v) { imageMean = v; return this; }
    public Builder imageStd(List<Float> v) { imageStd = v; return this; }
    public Builder tempInit(float v) { tempInit = v; return this; }
    public Builder initializerRange(float v) { initializerRange = v; return this; }

    public SvittConfig build() {
      SvittConfig c = new SvittConfig(name, trained, frames, imageSize, resize, patchSize, visionLayers, visionWidth,
          visionHeads, visionMlpDim, layerScaleInit, sparseAttention, blockSize, localBlocks, randomBlocks,
          attentionSeed, redrawRandomBlocks, maskPaddedKeys, keepRate, pruneLayers, fusionKeepRate, fusionPruneLayers,
          vocabSize, maxTextLength, specialTokens, maxPositions, textLayers, fusionLayers, textWidth, textHeads,
          textMlpDim, typeVocabSize, embedDim, layerNormEps, imageMean, imageStd, tempInit, initializerRange);
      validate(c);
      return c;
    }
  }

  static void validate(SvittConfig c) {
    positive("frames", c.frames);
    positive("patch_size", c.patchSize);
    positive("image_size", c.imageSize);
    check(c.resize != null, "resize", null, "must be squash or crop");
    check(c.specialTokens != null, "special_tokens", null, "must be cls or cls_sep");
    check(c.imageSize % c.patchSize == 0, "image_size", c.imageSize,
        "must be a multiple of patch_size " + c.patchSize);
    check(c.visionWidth % Math.max(1, c.visionHeads) == 0, "vision_width", c.visionWidth,
        "must be divisible by vision_heads " + c.visionHeads);
    check(c.textWidth % Math.max(1, c.textHeads) == 0, "text_width", c.textWidth,
        "must be divisible by text_heads " + c.textHeads);
    positive("vision_layers", c.visionLayers);
    positive("vision_mlp_dim", c.visionMlpDim);
    positive("text_mlp_dim", c.textMlpDim);
    positive("block_size", c.blockSize);
    positive("local_blocks", c.localBlocks);
    check(c.randomBlocks >= 0, "random_blocks", c.randomBlocks, "must be 0 or more");
    check(c.initializerRange > 0, "initializer_range", c.initializerRange, "must be positive");
    check(c.keepRate > 0 && c.keepRate <= 1, "keep_rate", c.keepRate, "must be in (0, 1]");
    check(c.fusionKeepRate > 0 && c.fusionKeepRate <= 1, "fusion_keep_rate", c.fusionKeepRate, "must be in (0, 1]");
    int previous = -1;
    for (int layer : c.pruneLayers) {
      check(layer > previous && layer < c.visionLayers - 1, "prune_layers", c.pruneLayers,
          "must be increasing layer indices in [0, " + (c.visionLayers - 2) + "] so a layer runs after each prune");
      previous = layer;
    }
    check(c.fusionLayers > 0 && c.fusionLayers < c.textLayers, "fusion_layers", c.fusionLayers,
        "must be in [1, text_layers - 1] (text_layers is " + c.textLayers + ")");
    for (int layer : c.fusionPruneLayers) {
      check(layer >= 0 && layer < c.fusionLayers - 1, "fusion_prune_layers", c.fusionPruneLayers,
          "must be fusion layer indices in [0, " + (c.fusionLayers - 2) + "]");
    }
    positive("vocab_size", c.vocabSize);
    check(c.maxTextLength >= 3, "max_text_length", c.maxTextLength,
        "must be at least 3, room for [CLS], a word piece and [SEP]");
    check(c.maxPositions >= c.maxTextLength, "max_positions", c.maxPositions,
        "must be at least max_text_length " + c.maxTextLength);
    positive("embed_dim", c.embedDim);
    check(c.imageMean.size() == 3 && c.imageStd.size() == 3, "image_mean/image_std", c.imageMean + "/" + c.imageStd,
        "need one value per RGB channel");
    check(c.imageStd.stream().allMatch(s -> s > 0), "image_std", c.imageStd, "must be positive");
    check(c.tempInit >= 0.001f && c.tempInit <= 0.5f, "temp_init", c.tempInit, "must be in [0.001, 0.5]");
  }

  private static void positive(String name, int value) {
    check(value > 0, name, value, "must be positive");
  }

  private static void check(boolean ok, String name, Object value, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }
}
