package io.egostream.eval;

import io.egostream.data.McqQuestion;
import io.egostream.data.NarratedClip;
import io.egostream.data.Rejected;
import io.egostream.model.Clip;
import io.egostream.model.SvittEgo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores EgoMCQ the way the dual encoder is scored: for each question, embed the query's narration and its choice
 * clips, and pick the choice of highest cosine similarity.
 *
 * <p>Questions are decoded one by one and embedded in batches across questions ({@code batchSize} clips per model
 * call). A clip's embedding is kept (up to {@link #CACHED_VECTORS} vectors) and reused by later questions offering the
 * same clip (same video and time range): every query clip is offered twice (inter- and intra-video), and distractors
 * recur, so this saves most of the model calls. Embeddings are deterministic, so reuse does not change any score. A
 * question with any undecodable choice is skipped with its reason; the others go on.
 *
 * <p>Several embedders sharing one text encoder (one model at several keep rates q_v, {@link Embedder#of(SvittEgo,
 * float)}) are scored in one pass: each clip is decoded once and embedded by each, each narration embedded once by the
 * first, so a sweep over q_v decodes the videos once.
 */
public final class McqEvaluator {

  /** About 50 MB of 256-d embeddings: far more clips than a question batch, bounded for the 39k-question file. */
  static final int CACHED_VECTORS = 50_000;

  /** The model's two encoders; both return L2-normalised vectors in input order. */
  public interface Embedder {
    List<float[]> clips(List<Clip> clips);

    List<float[]> texts(List<String> texts);

    static Embedder of(SvittEgo model) {
      return of(model, model.config().keepRate());
    }

    /** The model keeping {@code keepRate} (q_v) of its patch tokens instead of its config's. */
    static Embedder of(SvittEgo model, float keepRate) {
      return new Embedder() {
        @Override
        public List<float[]> clips(List<Clip> clips) {
          return model.embedClips(clips, keepRate).stream().map(e -> e.vector()).toList();
        }

        @Override
        public List<float[]> texts(List<String> texts) {
          return model.embedTexts(texts).stream().map(e -> e.vector()).toList();
        }
      };
    }
  }

  /** Told after each question (scored or skipped). */
  public interface Progress {
    void questionDone(int done, int total);
  }

  /** Identity of a clip for reuse: the same range of the same video. */
  private record ClipKey(String videoUid, double start, double end) {
    static ClipKey of(NarratedClip r) {
      return new ClipKey(r.videoUid(), r.clipStart(), r.clipEnd());
    }
  }

  /**
   * A question whose clips are decoded or known; {@code vectors[c]} holds choice c's vector from each embedder, or is
   * null until choice c is embedded.
   */
  private record Decoded(McqQuestion question, float[][][] vectors) {}

  private final ClipSource source;
  private final List<Embedder> embedders;
  private final int batchSize;
  private final FrameShuffle shuffle;
  private final int cachedClips;
  private final Map<ClipKey, float[][]> cache = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ClipKey, float[][]> eldest) {
      return size() > cachedClips;
    }
  };

  /**
   * @param shuffle if not null, each choice clip's frames are permuted before embedding (the temporal check)
   */
  public McqEvaluator(ClipSource source, Embedder embedder, int batchSize, FrameShuffle shuffle) {
    this(source, List.of(embedder), batchSize, shuffle);
  }

  /**
   * An evaluator scoring each of {@code embedders} on the same decoded clips ({@link #evaluateEach}); they must share
   * their text encoder, as one model at several keep rates does.
   *
   * @param shuffle if not null, each choice clip's frames are permuted before embedding (the temporal check)
   */
  public McqEvaluator(ClipSource source, List<Embedder> embedders, int batchSize, FrameShuffle shuffle) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("Invalid value " + batchSize + " for batch size: must be at least 1");
    }
    if (embedders.isEmpty()) {
      throw new IllegalArgumentException("No embedder to evaluate: give at least one");
    }
    this.source = source;
    this.embedders = List.copyOf(embedders);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.cachedClips = CACHED_VECTORS / embedders.size();
  }

  /**
   * Evaluates {@code questions} with this evaluator's one embedder; {@code malformed} (records the reader rejected)
   * are counted as skipped too, so one report covers every item of the file.
   */
  public McqResults evaluate(List<McqQuestion> questions, List<Rejected> malformed, Progress progress) {
    if (embedders.size() != 1) {
      throw new IllegalStateException("This evaluator has " + embedders.size() + " embedders: use evaluateEach");
    }
    return evaluateEach(questions, malformed, progress).get(0);
  }

  /**
   * Evaluates {@code questions} with each embedder, returning their results in the embedders' order; every one counts
   * the same skipped questions ({@code malformed}, and those with a choice that cannot be decoded).
   */
  public List<McqResults> evaluateEach(List<McqQuestion> questions, List<Rejected> malformed, Progress progress) {
    List<McqResults> results = new ArrayList<>();
    for (int e = 0; e < embedders.size(); e++) {
      results.add(new McqResults());
    }
    for (Rejected r : malformed) {
      skipped(results, new SkippedQuestion(r.item(), SkipReason.MALFORMED_RECORD, r.reason()));
    }
    List<Decoded> pending = new ArrayList<>();
    Map<ClipKey, Clip> toEmbed = new LinkedHashMap<>();
    int done = 0;
    for (McqQuestion q : questions) {
      Decoded decoded = decode(q, toEmbed, results);
      if (decoded == null) {
        progress.questionDone(++done, questions.size());
        continue;
      }
      pending.add(decoded);
      if (toEmbed.size() >= batchSize) {
        done += score(pending, toEmbed, results);
        progress.questionDone(done, questions.size());
      }
    }
    if (!pending.isEmpty()) {
      done += score(pending, toEmbed, results);
      progress.questionDone(done, questions.size());
    }
    return results;
  }

  private static void skipped(List<McqResults> results, SkippedQuestion question) {
    results.forEach(r -> r.skipped(question));
  }

  /** Decodes the choices not embedded yet into {@code toEmbed}; null (and a skip recorded) if one cannot be. */
  private Decoded decode(McqQuestion q, Map<ClipKey, Clip> toEmbed, List<McqResults> results) {
    float[][][] vectors = new float[q.choices().size()][][];
    Map<ClipKey, Clip> decoded = new LinkedHashMap<>();
    for (int c = 0; c < vectors.length; c++) {
      NarratedClip choice = q.choices().get(c);
      ClipKey key = ClipKey.of(choice);
      vectors[c] = cache.get(key);
      if (vectors[c] != null || toEmbed.containsKey(key) || decoded.containsKey(key)) {
        continue;
      }
      try {
        Clip clip = source.load(choice);
        decoded.put(key, shuffle == null ? clip : shuffle.apply(clip, choice));
      } catch (ClipUnavailableException e) {
        skipped(results, new SkippedQuestion(q.key(), e.reason(), "choice " + c + ": " + e.getMessage()));
        return null;
      }
    }
    toEmbed.putAll(decoded);
    return new Decoded(q, vectors);
  }

  /**
   * Embeds the waiting clips (in batches, by each embedder) and the pending questions' texts, records each answer in
   * each embedder's results; returns how many questions.
   */
  private int score(List<Decoded> pending, Map<ClipKey, Clip> toEmbed, List<McqResults> results) {
    List<ClipKey> keys = new ArrayList<>(toEmbed.keySet());
    List<Clip> clips = new ArrayList<>(toEmbed.values());
    Map<ClipKey, float[][]> fresh = new LinkedHashMap<>();
    keys.forEach(k -> fresh.put(k, new float[embedders.size()][]));
    for (int e = 0; e < embedders.size(); e++) {
      for (int from = 0; from < clips.size(); from += batchSize) {
        int to = Math.min(clips.size(), from + batchSize);
        List<float[]> vectors = embedders.get(e).clips(clips.subList(from, to));
        for (int i = from; i < to; i++) {
          fresh.get(keys.get(i))[e] = vectors.get(i - from);
        }
      }
    }
    cache.putAll(fresh);
    List<float[]> textVectors =
        embedders.get(0).texts(pending.stream().map(d -> d.question().query().clipText()).toList());
    for (int i = 0; i < pending.size(); i++) {
      McqQuestion q = pending.get(i).question();
      float[][][] vectors = pending.get(i).vectors();
      for (int e = 0; e < embedders.size(); e++) {
        float[] scores = new float[vectors.length];
        int best = 0;
        for (int c = 0; c < scores.length; c++) {
          float[] clip = (vectors[c] != null ? vectors[c] : fresh.get(ClipKey.of(q.choices().get(c))))[e];
          scores[c] = SvittEgo.cosine(textVectors.get(i), clip);
          if (scores[c] > scores[best]) {
            best = c;
          }
        }
        results.get(e).answered(q, best, scores);
      }
    }
    int scored = pending.size();
    pending.clear();
    toEmbed.clear();
    return scored;
  }
}
