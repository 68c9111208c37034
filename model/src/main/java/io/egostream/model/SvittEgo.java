package io.egostream.model;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SViTT-Ego: a sparse video encoder and a BERT text encoder in a joint 256-d space, plus a small fusion encoder
 * with an image-text matching head.
 *
 * <p>Thread-safe: weights are read-only after load, and every call keeps its intermediates in its own scope, closed
 * before it returns, so native memory does not grow with the number of calls. Results are plain Java values.
 */
public final class SvittEgo implements AutoCloseable {
  /** The files of a model folder. */
  public static final List<String> MODEL_FILES =
      List.of(ModelFolder.CONFIG, ModelFolder.WEIGHTS, ModelFolder.VOCAB);

  private static final Logger LOG = LoggerFactory.getLogger(SvittEgo.class);

  private final SvittConfig config;
  private final String modelId;
  private final NDManager manager;
  private final StateDict stateDict = new StateDict();
  private final VideoEncoder videoEncoder;
  private final TextEncoder textEncoder;
  private final LayerNorm visionLayernorm;
  private final Linear visionProj;
  private final Linear textProj;
  private final Linear itmHead;
  private final Param temp;
  private final TextTokenizer tokenizer;
  private final FramePreprocessor preprocessor;

  private SvittEgo(SvittConfig config, List<String> vocabulary, Device device, String modelId) {
    if (vocabulary.size() != config.vocabSize()) {
      throw new IllegalArgumentException("Invalid vocabulary of " + vocabulary.size() + " tokens: config.json says "
          + "vocab_size " + config.vocabSize() + " (vocab.txt and the word embedding table must agree)");
    }
    this.config = config;
    this.modelId = modelId;
    BundledLibTorch.prepare();
    this.manager = NDManager.newBaseManager(device);
    this.manager.setName("svitt-ego");
    this.videoEncoder = new VideoEncoder(stateDict, "vision_encoder", config);
    this.visionLayernorm = new LayerNorm(stateDict, "vision_layernorm", config.visionWidth(), config.layerNormEps());
    this.textEncoder = new TextEncoder(stateDict, "text_encoder.bert", config);
    this.visionProj = new Linear(stateDict, "vision_proj", config.visionWidth(), config.embedDim(), true);
    this.textProj = new Linear(stateDict, "text_proj", config.textWidth(), config.embedDim(), true);
    this.itmHead = new Linear(stateDict, "itm_head", config.textWidth(), 2, true);
    this.temp = stateDict.declare("temp", new Shape(), Init.constant(config.tempInit()));
    this.tokenizer = new TextTokenizer(vocabulary, config.maxTextLength(), config.specialTokens());
    this.preprocessor = new FramePreprocessor(config);
  }

  /** A model with random weights (labelled untrained) and a generated vocabulary: for tests, benchmarks, training. */
  public static SvittEgo initialize(SvittConfig config, long seed, Device device) {
    SvittConfig untrained = config.toBuilder().trained(false).build();
    SvittEgo model = new SvittEgo(untrained, Vocabularies.generate(config.vocabSize()), device,
        "svitt-ego-" + config.name() + "-untrained-seed" + seed);
    model.stateDict.initialize(model.manager, seed, config.initializerRange());
    return model;
  }

  /** Loads a complete model folder; see {@link #load(Path, Device, boolean)}. */
  public static SvittEgo load(Path dir, Device device) throws IOException {
    return load(dir, device, false);
  }

  /**
   * Loads a model folder. Every missing, unexpected or mis-shaped tensor is reported by name; a model with missing
   * or mis-shaped tensors is refused unless {@code allowPartial} (then those keep random values and a warning says
   * which). Non-finite weights are always refused.
   */
  public static SvittEgo load(Path dir, Device device, boolean allowPartial) throws IOException {
    return load(dir, device, allowPartial, UnaryOperator.identity());
  }

  /**
   * Loads a complete model folder run another way: {@code adjust} changes the folder's config before the model is
   * built, e.g. {@link SvittConfig#dense()} for the dense baseline, another keep rate, or another frame count (the
   * relative position tables are then resampled along time, as for any folder written for other frames).
   */
  public static SvittEgo load(Path dir, Device device, UnaryOperator<SvittConfig> adjust) throws IOException {
    return load(dir, device, false, adjust);
  }

  private static SvittEgo load(Path dir, Device device, boolean allowPartial, UnaryOperator<SvittConfig> adjust)
      throws IOException {
    SvittConfig config;
    try {
      config = adjust.apply(ModelFolder.readConfig(dir));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid change to the config of " + dir + ": " + e.getMessage(), e);
    }
    List<String> vocabulary = ModelFolder.readVocabulary(dir);
    Path name = dir.toAbsolutePath().normalize().getFileName();
    SvittEgo model = new SvittEgo(config, vocabulary, device,
        "svitt-ego-" + config.name() + (config.trained() ? "" : "-untrained") + ":" + name);
    try {
      Map<String, NDArray> tensors = ModelFolder.readWeights(model.manager, dir);
      ModelFolder.adaptFrames(tensors, config);
      if (allowPartial) {
        model.stateDict.initialize(model.manager, 0, config.initializerRange());
      }
      StateDict.LoadReport report = model.stateDict.load(tensors, allowPartial);
      if (!report.unexpected().isEmpty() || !report.complete()) {
        LOG.warn("Loaded {} with {}", dir, report);
      }
      for (NDArray t : tensors.values()) {
        if (model.stateDict.params().stream().noneMatch(p -> p.array() == t)) {
          t.close();
        }
      }
      model.checkFinite(dir);
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** The config of a model folder, without loading its weights. */
  public static SvittConfig readConfig(Path dir) throws IOException {
    return ModelFolder.readConfig(dir);
  }

  /** Writes this model as a model folder. */
  public void save(Path dir) throws IOException {
    ModelFolder.write(dir, config, tokenizer.vocabulary(), stateDict, DataType.FLOAT32);
  }

  /**
   * Writes this model as a model folder whose config says {@code trained}: what a training run saves, so its
   * checkpoints are not labelled untrained like the random weights it started from.
   */
  public void saveTrained(Path dir) throws IOException {
    saveTrained(dir, DataType.FLOAT32);
  }

  /**
   * {@link #saveTrained(Path)} with the weights stored as {@code storage}: float32, or float16 for a model to ship
   * (half the bytes; loading widens them back to float32, so only their rounding differs).
   */
  public void saveTrained(Path dir, DataType storage) throws IOException {
    ModelFolder.write(dir, config.toBuilder().trained(true).build(), tokenizer.vocabulary(), stateDict, storage);
  }

  public SvittConfig config() {
    return config;
  }

  /** The device the model's weights live and run on. */
  public Device device() {
    return manager.getDevice();
  }

  /** Names the model and its weights, e.g. {@code svitt-ego-tiny:demo-model}; carried by every embedding. */
  public String modelId() {
    return modelId;
  }

  /** The parameters by state-dict name (for training and for tests). */
  public StateDict stateDict() {
    return stateDict;
  }

  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** Embeds clips, as one batch: each must have {@link SvittConfig#frames()} frames. */
  public List<ClipEmbedding> embedClips(List<Clip> clips) {
    return embedClips(clips, config.keepRate());
  }

  /**
   * {@link #embedClips(List)} keeping {@code keepRate} (q_v) of the patch tokens at each pruning layer instead of the
   * config's {@link SvittConfig#keepRate()}: the same embeddings and kept tokens as a model whose config has that keep
   * rate, with these weights. Fewer tokens, faster and a little less accurate: what load-adaptive sparsity trades.
   */
  public List<ClipEmbedding> embedClips(List<Clip> clips, float keepRate) {
    if (!(keepRate > 0 && keepRate <= 1)) {
      throw new IllegalArgumentException("Invalid keep rate " + keepRate + ": must be in (0, 1] (the share of patch "
          + "tokens kept at each pruning layer; 1 prunes nothing)");
    }
    checkClips(clips);
    try (NoGrad noGrad = new NoGrad(); NDScope ignored = new NDScope(); NDManager batch = manager.newSubManager()) {
      VideoEncoder.Output out = videoEncoder.forward(pixels(batch, clips), keepRate);
      float[][] vectors = rowsOf(unit(visionProj.forward(out.pooled())));
      List<int[][]> stages = new ArrayList<>();
      for (TokenPositions stage : out.stages()) {
        stages.add(stage.patchIndices(clips.size()));
      }
      List<ClipEmbedding> result = new ArrayList<>();
      for (int b = 0; b < clips.size(); b++) {
        int[][] kept = new int[stages.size()][];
        for (int s = 0; s < kept.length; s++) {
          kept[s] = stages.get(s)[b];
        }
        result.add(new ClipEmbedding(vectors[b], kept));
      }
      return result;
    }
  }

  /** Embeds texts, as one batch. A text longer than {@link SvittConfig#maxTextLength()} tokens is truncated. */
  public List<TextEmbedding> embedTexts(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    List<TextTokenizer.Encoding> encodings = encode(texts);
    float[][] vectors = embed(encodings);
    List<TextEmbedding> result = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      result.add(new TextEmbedding(texts.get(i), vectors[i], encodings.get(i).truncated()));
    }
    return result;
  }

  /** Text embeddings of token ids already made, in order (tests feed the released tokenizer's ids). */
  float[][] embed(List<TextTokenizer.Encoding> encodings) {
    try (NoGrad noGrad = new NoGrad(); NDScope ignored = new NDScope(); NDManager batch = manager.newSubManager()) {
      NDArray[] ids = idsAndMask(batch, encodings);
      NDArray hidden = textEncoder.encodeText(ids[0], TextEncoder.keyMask(ids[1]));
      return rowsOf(unit(textProj.forward(hidden.get(":, 0"))));
    }
  }

  /**
   * Answers an EgoMCQ-style question: which of {@code choices} does {@code narration} describe? By cosine
   * similarity of the embeddings (the dual encoder, as EgoMCQ is scored), or, with {@code itmRerank}, by the raw
   * match logit of the fusion encoder's ITM head ({@link ItmMatch#score()}): both as the released evaluation ranks.
   * (The softmax probability of the match class ranks by the gap between the two logits, which can order them
   * differently.)
   */
  public McqAnswer answerMcq(String narration, List<Clip> choices, boolean itmRerank) {
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("Invalid question: it has no candidate clips");
    }
    checkClips(choices);
    List<TextTokenizer.Encoding> encoding = encode(List.of(narration));
    try (NoGrad noGrad = new NoGrad(); NDScope ignored = new NDScope(); NDManager batch = manager.newSubManager()) {
      VideoEncoder.Output video = videoEncoder.forward(pixels(batch, choices));
      NDArray[] ids = idsAndMask(batch, encoding);
      NDArray mask = TextEncoder.keyMask(ids[1]);
      NDArray text = textEncoder.encodeText(ids[0], mask); // (1, Lt, D)
      float[] scores;
      if (itmRerank) {
        List<ItmMatch> matches = itm(text, mask, video, choices.size());
        scores = new float[matches.size()];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = matches.get(i).score();
        }
      } else {
        NDArray clipVectors = unit(visionProj.forward(video.pooled())); // (n, E)
        NDArray textVector = unit(textProj.forward(text.get(":, 0"))); // (1, E)
        scores = clipVectors.matMul(textVector.transpose()).toFloatArray();
      }
      return new McqAnswer(argMax(scores), scores, itmRerank);
    }
  }

  /** Scores {@code text} against each of {@code clips} with the fusion encoder and the ITM head, in clip order. */
  public List<ItmMatch> matchItm(String text, List<Clip> clips) {
    checkClips(clips);
    return matchItm(encode(List.of(text)), clips).get(0);
  }

  /**
   * {@link #matchItm(String, List)} for several texts' token ids already made, the clips encoded once (tests feed
   * the released tokenizer's ids): per text, the matches in clip order.
   */
  List<List<ItmMatch>> matchItm(List<TextTokenizer.Encoding> encodings, List<Clip> clips) {
    try (NoGrad noGrad = new NoGrad(); NDScope ignored = new NDScope(); NDManager batch = manager.newSubManager()) {
      VideoEncoder.Output video = videoEncoder.forward(pixels(batch, clips));
      List<List<ItmMatch>> result = new ArrayList<>();
      for (TextTokenizer.Encoding encoding : encodings) {
        NDArray[] ids = idsAndMask(batch, List.of(encoding));
        NDArray mask = TextEncoder.keyMask(ids[1]);
        result.add(itm(textEncoder.encodeText(ids[0], mask), mask, video, clips.size()));
      }
      return result;
    }
  }

  /** One text's hidden states (1, Lt, D) fused with each of the n clips of {@code video}, through the ITM head. */
  private List<ItmMatch> itm(NDArray text, NDArray mask, VideoEncoder.Output video, int n) {
    long[] s = text.getShape().getShape();
    TextEncoder.Fused fused = textEncoder.fuse(text.broadcast(n, s[1], s[2]), mask.broadcast(n, 1, 1, s[1]),
        visionLayernorm.forward(video.tokens()));
    NDArray cls = fused.text().get(":, 0"); // (n, D)
    float[][] clsRows = rowsOf(cls);
    float[][] logits = rowsOf(itmHead.forward(cls));
    int[][] alive = video.stages().get(video.stages().size() - 1).patchIndices(n); // original index of each patch
    int[][][] kept = new int[n][fused.kept().size()][];
    for (int layer = 0; layer < fused.kept().size(); layer++) {
      NDArray index = fused.kept().get(layer);
      int k = Math.toIntExact(index.getShape().get(1));
      long[] flat = index.toLongArray();
      for (int b = 0; b < n; b++) {
        int[] next = new int[k];
        for (int i = 0; i < k; i++) {
          next[i] = alive[b][(int) flat[b * k + i]];
        }
        kept[b][layer] = next;
        alive[b] = next;
      }
    }
    List<ItmMatch> result = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      result.add(new ItmMatch(clsRows[b], logits[b], kept[b]));
    }
    return result;
  }

  /**
   * Both encoders for training, with the autograd graph kept: L2-normalised clip embeddings (N, E) and text
   * embeddings (B, E), row i of each from sample i; clips beyond the B narrated ones (N ≥ B) are extra negatives
   * with no narration. Call it inside the caller's {@link NDScope} (with a gradient collector open): inputs,
   * intermediates and results register with that scope, which frees them when it closes.
   */
  public Embeddings embedForTraining(List<Clip> clips, List<String> texts) {
    checkClips(clips);
    if (texts.isEmpty() || texts.size() > clips.size()) {
      throw new IllegalArgumentException("Invalid training batch: " + clips.size() + " clips but " + texts.size()
          + " texts (give one narration for each of the first clips, at least one)");
    }
    VideoEncoder.Output video = videoEncoder.forward(pixels(manager, clips));
    NDArray[] ids = idsAndMask(manager, encode(texts));
    NDArray text = textEncoder.encodeText(ids[0], TextEncoder.keyMask(ids[1])); // (B, Lt, D)
    return new Embeddings(unit(visionProj.forward(video.pooled())), unit(textProj.forward(text.get(":, 0"))));
  }

  /** Differentiable embeddings of one training batch: clips (N, E) and texts (B, E), unit rows. */
  public record Embeddings(NDArray clips, NDArray texts) {}

  /**
   * The same weights as a model for another clip length and keep rate (a curriculum stage switch): every tensor is
   * copied into a new model, and the relative position bias tables are resampled to the new frame count exactly as
   * loading a model folder written for other frames does. This model stays open and unchanged.
   */
  public SvittEgo withClipShape(int frames, float keepRate) {
    SvittConfig next = config.toBuilder().frames(frames).keepRate(keepRate).build();
    SvittEgo model = new SvittEgo(next, tokenizer.vocabulary(), manager.getDevice(), modelId);
    try {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (Param p : stateDict.params()) {
        NDArray copy = p.array().duplicate();
        NDScope.unregister(copy); // owned by the new model, even when the caller has a scope open
        copy.attach(model.manager);
        tensors.put(p.name(), copy);
      }
      ModelFolder.adaptFrames(tensors, next);
      model.stateDict.load(tensors, false);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * This model's weights run dense ({@link SvittConfig#dense()}): the view shares every parameter array, so a
   * training step through it trains this model. Closing the view leaves the weights open; close it before this model,
   * and rebuild it after {@link #withClipShape} (the new model has new arrays).
   */
  public SvittEgo denseView() {
    SvittEgo view = new SvittEgo(config.dense(), tokenizer.vocabulary(), manager.getDevice(), modelId);
    Map<String, NDArray> shared = new LinkedHashMap<>();
    for (Param p : stateDict.params()) {
      shared.put(p.name(), p.array());
    }
    try {
      view.stateDict.load(shared, false);
      return view;
    } catch (RuntimeException e) {
      view.close();
      throw e;
    }
  }

  /**
   * Arrays alive in the model's manager and its sub-managers. Constant across calls unless something leaks: a hook
   * for leak tests (training without an NDScope per step leaks every intermediate: docs/model.md, 'Native memory').
   */
  public int liveArrays() {
    return ((BaseNDManager) manager).getManagedArrays().size();
  }

  /** Scores a clip against candidate descriptions, best first (zero-shot labelling). */
  public List<ScoredText> zeroShot(Clip clip, List<String> labels) {
    float[] clipVector = embedClips(List.of(clip)).get(0).vector();
    List<ScoredText> scored = new ArrayList<>();
    for (TextEmbedding text : embedTexts(labels)) {
      scored.add(new ScoredText(text.text(), cosine(text.vector(), clipVector)));
    }
    scored.sort(Comparator.comparingDouble(ScoredText::score).reversed());
    return scored;
  }

  /** Cosine similarity of two embeddings (they are unit vectors, so their dot product). */
  public static float cosine(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("Cannot compare embeddings of " + a.length + " and " + b.length + " floats");
    }
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return (float) dot;
  }

  @Override
  public void close() {
    manager.close();
  }

  private void checkClips(List<Clip> clips) {
    if (clips.isEmpty()) {
      throw new IllegalArgumentException("Invalid batch: no clips");
    }
    for (int i = 0; i < clips.size(); i++) {
      int frames = clips.get(i).frames().size();
      if (frames != config.frames()) {
        throw new IllegalArgumentException("Invalid clip " + i + ": it has " + frames + " frames, but this model "
            + "takes " + config.frames() + " (sample that many frames uniformly from the clip's time range)");
      }
    }
  }

  private List<TextTokenizer.Encoding> encode(List<String> texts) {
    List<TextTokenizer.Encoding> encodings = new ArrayList<>();
    for (String text : texts) {
      TextTokenizer.Encoding e = tokenizer.encode(text);
      if (e.truncated()) {
        LOG.warn("Text truncated to {} of its {} tokens (max_text_length): \"{}\"", config.maxTextLength(),
            e.fullLength(), text);
      }
      encodings.add(e);
    }
    return encodings;
  }

  /** Clips → normalised pixels (B, T, 3, S, S). */
  private NDArray pixels(NDManager batch, List<Clip> clips) {
    int frameSize = preprocessor.frameSize();
    int frames = config.frames();
    float[] data = new float[clips.size() * frames * frameSize];
    int offset = 0;
    for (Clip clip : clips) {
      for (RgbFrame frame : clip.frames()) {
        preprocessor.write(frame, data, offset);
        offset += frameSize;
      }
    }
    return HostArrays.of(batch, data, new Shape(clips.size(), frames, 3, config.imageSize(), config.imageSize()));
  }

  /** Token ids (B, Lt) padded with [PAD], and the attention mask (B, Lt): 1 for tokens, 0 for padding. */
  private NDArray[] idsAndMask(NDManager batch, List<TextTokenizer.Encoding> encodings) {
    int length = encodings.stream().mapToInt(e -> e.ids().length).max().orElseThrow();
    long[] ids = new long[encodings.size() * length];
    long[] mask = new long[ids.length];
    java.util.Arrays.fill(ids, tokenizer.padId());
    for (int i = 0; i < encodings.size(); i++) {
      long[] row = encodings.get(i).ids();
      System.arraycopy(row, 0, ids, i * length, row.length);
      java.util.Arrays.fill(mask, i * length, i * length + row.length, 1L);
    }
    Shape shape = new Shape(encodings.size(), length);
    return new NDArray[] {HostArrays.of(batch, ids, shape), HostArrays.of(batch, mask, shape)};
  }

  private static NDArray unit(NDArray x) {
    return x.div(x.norm(new int[] {-1}, true).maximum(HostArrays.scalar(x.getManager(), 1e-12f)));
  }

  private static float[][] rowsOf(NDArray matrix) {
    long[] s = matrix.getShape().getShape();
    float[] flat = matrix.toType(DataType.FLOAT32, false).toFloatArray();
    float[][] rows = new float[(int) s[0]][(int) s[1]];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(flat, i * rows[i].length, rows[i], 0, rows[i].length);
    }
    return rows;
  }

  private static int argMax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private void checkFinite(Path dir) {
    List<String> bad = new ArrayList<>();
    for (Param p : stateDict.params()) {
      try (NDScope ignored = new NDScope()) {
        NDArray a = p.array();
        if (a.isNaN().any().getBoolean() || a.isInfinite().any().getBoolean()) {
          bad.add(p.name());
        }
      }
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException("Invalid weights in " + dir + ": NaN or infinite values in " + bad
          + " (the checkpoint is corrupt or training diverged)");
    }
  }
}
