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
 * call). A clip's embedding is kept (up to {@link #CACHED_CLIPS} of them) and reused by later questions offering the
 * same clip (same video and time range): every query clip is offered twice (inter- and intra-video), and distractors
 * recur, so this saves most of the model calls. Embeddings are deterministic, so reuse does not change any score. A
 * question with any undecodable choice is skipped with its reason; the others go on.
 */
public final class McqEvaluator {

  /** About 50 MB of 256-d embeddings: far more clips than a question batch, bounded for the 39k-question file. */
  static final int CACHED_CLIPS = 50_000;

  /** The model's two encoders; both return L2-normalised vectors in input order. */
  public interface Embedder {
    List<float[]> clips(List<Clip> clips);

    List<float[]> texts(List<String> texts);

    static Embedder of(SvittEgo model) {
      return new Embedder() {
        @Override
        public List<float[]> clips(List<Clip> clips) {
          return model.embedClips(clips).stream().map(e -> e.vector()).toList();
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

  /** A question whose clips are decoded or known; {@code vectors[c]} is null until choice c is embedded. */
  private record Decoded(McqQuestion question, float[][] vectors) {}

  private final ClipSource source;
  private final Embedder embedder;
  private final int batchSize;
  private final FrameShuffle shuffle;
  private final Map<ClipKey, float[]> cache = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ClipKey, float[]> eldest) {
      return size() > CACHED_CLIPS;
    }
  };

  /**
   * @param shuffle if not null, each choice clip's frames are permuted before embedding (the temporal check)
   */
  public McqEvaluator(ClipSource source, Embedder embedder, int batchSize, FrameShuffle shuffle) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("Invalid value " + batchSize + " for batch size: must be at least 1");
    }
    this.source = source;
    this.embedder = embedder;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
  }

  /**
   * Evaluates {@code questions}; {@code malformed} (records the reader rejected) are counted as skipped too, so one
   * report covers every item of the file.
   */
  public McqResults evaluate(List<McqQuestion> questions, List<Rejected> malformed, Progress progress) {
    McqResults results = new McqResults();
    for (Rejected r : malformed) {
      results.skipped(new SkippedQuestion(r.item(), SkipReason.MALFORMED_RECORD, r.reason()));
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

  /** Decodes the choices not embedded yet into {@code toEmbed}; null (and a skip recorded) if one cannot be. */
  private Decoded decode(McqQuestion q, Map<ClipKey, Clip> toEmbed, McqResults results) {
    float[][] vectors = new float[q.choices().size()][];
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
        results.skipped(new SkippedQuestion(q.key(), e.reason(), "choice " + c + ": " + e.getMessage()));
        return null;
      }
    }
    toEmbed.putAll(decoded);
    return new Decoded(q, vectors);
  }

  /** Embeds the waiting clips (in batches) and the pending questions' texts, records each answer; returns how many. */
  private int score(List<Decoded> pending, Map<ClipKey, Clip> toEmbed, McqResults results) {
    List<ClipKey> keys = new ArrayList<>(toEmbed.keySet());
    List<Clip> clips = new ArrayList<>(toEmbed.values());
    Map<ClipKey, float[]> fresh = new LinkedHashMap<>();
    for (int from = 0; from < clips.size(); from += batchSize) {
      int to = Math.min(clips.size(), from + batchSize);
      List<float[]> vectors = embedder.clips(clips.subList(from, to));
      for (int i = from; i < to; i++) {
        fresh.put(keys.get(i), vectors.get(i - from));
      }
    }
    cache.putAll(fresh);
    List<float[]> textVectors = embedder.texts(pending.stream().map(d -> d.question().query().clipText()).toList());
    for (int i = 0; i < pending.size(); i++) {
      McqQuestion q = pending.get(i).question();
      float[][] vectors = pending.get(i).vectors();
      float[] scores = new float[vectors.length];
      int best = 0;
      for (int c = 0; c < scores.length; c++) {
        float[] clip = vectors[c] != null ? vectors[c] : fresh.get(ClipKey.of(q.choices().get(c)));
        scores[c] = SvittEgo.cosine(textVectors.get(i), clip);
        if (scores[c] > scores[best]) {
          best = c;
        }
      }
      results.answered(q, best, scores);
    }
    int scored = pending.size();
    pending.clear();
    toEmbed.clear();
    return scored;
  }
}
