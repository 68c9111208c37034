package io.egostream.eval;

import io.egostream.data.NarratedClip;
import io.egostream.data.NlqQuery;
import io.egostream.data.Rejected;
import io.egostream.model.Clip;
import io.egostream.model.ItmMatch;
import io.egostream.model.SvittEgo;
import io.egostream.operators.moments.Moment;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.moments.TimeRange;
import io.egostream.video.ClipSampling;
import io.egostream.video.ClipWindow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Searches each NLQ query within its clip, as the live job searches a device's clips, and scores the predictions
 * ({@link NlqResults}).
 *
 * <p>A clip is cut into the stream's windows ({@code sampling}: 4 s every 2 s from its start, as the job's
 * {@code clip.length.ms} and {@code clip.stride.ms}), each embedded once for all the clip's queries; every window is
 * a hit of the query with its cosine similarity. Then, by {@link NlqMethod}: the best {@value #TOP_K} windows; or the
 * hits merged into moments ({@link MomentRules#suppress}); or those refined ({@link MomentRules#plan},
 * {@link MomentRules#refine}: the planned ranges decoded from the video and embedded, in batches); or the first
 * {@value #TOP_K} refined moments re-ordered by the ITM logit. Ranges are embedded once per clip (queries of one clip
 * share them). A clip whose video is missing or undecodable skips its queries with the reason.
 */
public final class NlqEvaluator {

  /** Predictions per query: Ego4D's largest rank is 5. */
  public static final int TOP_K = 5;

  /** The fusion encoder's match logit of a text for each clip, in clip order. */
  public interface Matcher {
    float[] scores(String text, List<Clip> clips);

    static Matcher of(SvittEgo model) {
      return (text, clips) -> {
        List<ItmMatch> matches = model.matchItm(text, clips);
        float[] scores = new float[matches.size()];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = matches.get(i).score();
        }
        return scores;
      };
    }
  }

  /** Told after each clip's queries (scored or skipped). */
  public interface Progress {
    void queriesDone(int done, int total);
  }

  private final ClipSource source;
  private final McqEvaluator.Embedder embedder;
  private final Matcher matcher;
  private final ClipSampling sampling;
  private final MomentRules rules;
  private final int batchSize;

  /** @param matcher the ITM scorer, needed by {@link NlqMethod#RERANK} only (may be null otherwise) */
  public NlqEvaluator(ClipSource source, McqEvaluator.Embedder embedder, Matcher matcher, ClipSampling sampling,
      MomentRules rules, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("Invalid value " + batchSize + " for batch size: must be at least 1");
    }
    this.source = source;
    this.embedder = embedder;
    this.matcher = matcher;
    this.sampling = sampling;
    this.rules = rules;
    this.batchSize = batchSize;
  }

  /** Where a clip's frames are: a file and the clip's start in it. */
  private record ClipFile(String uid, double offsetSec) {}

  /** A clip's decoded and embedded ranges (ms from the clip's start), reused by its queries. */
  private final class ClipRanges {
    final ClipFile file;
    final Map<TimeRange, float[]> vectors = new HashMap<>();
    final Map<TimeRange, Clip> frames = new HashMap<>();

    ClipRanges(ClipFile file) {
      this.file = file;
    }

    /** The embeddings of {@code ranges}, embedding (in batches) those not seen yet. */
    List<float[]> embed(List<TimeRange> ranges) throws ClipUnavailableException {
      Map<TimeRange, Clip> fresh = new LinkedHashMap<>();
      for (TimeRange r : ranges) {
        if (!vectors.containsKey(r) && !fresh.containsKey(r)) {
          fresh.put(r, load(r));
        }
      }
      List<TimeRange> keys = new ArrayList<>(fresh.keySet());
      List<Clip> clips = new ArrayList<>(fresh.values());
      for (int from = 0; from < clips.size(); from += batchSize) {
        int to = Math.min(clips.size(), from + batchSize);
        List<float[]> out = embedder.clips(clips.subList(from, to));
        for (int i = from; i < to; i++) {
          vectors.put(keys.get(i), out.get(i - from));
        }
      }
      return ranges.stream().map(vectors::get).toList();
    }

    Clip load(TimeRange r) throws ClipUnavailableException {
      Clip clip = frames.get(r);
      if (clip == null) {
        clip = source.load(new NarratedClip(file.uid(), file.offsetSec() + r.startMs() / 1000.0,
            file.offsetSec() + r.endMs() / 1000.0, "range", List.of(), List.of()));
        frames.put(r, clip);
      }
      return clip;
    }
  }

  /**
   * Evaluates {@code queries} by each of {@code methods} in one pass (the methods build on each other, so each clip
   * and range is embedded once for all); {@code malformed} (records the reader rejected) count as skipped.
   */
  public Map<NlqMethod, NlqResults> evaluate(List<NlqQuery> queries, List<Rejected> malformed,
      Set<NlqMethod> methods, Progress progress) {
    if (methods.contains(NlqMethod.RERANK) && matcher == null) {
      throw new IllegalArgumentException("Method rerank needs the ITM matcher; give one");
    }
    Map<NlqMethod, NlqResults> results = new EnumMap<>(NlqMethod.class);
    for (NlqMethod m : methods) {
      NlqResults r = new NlqResults();
      malformed.forEach(bad -> r.skipped(new SkippedQuestion(bad.item(), SkipReason.MALFORMED_RECORD, bad.reason())));
      results.put(m, r);
    }
    Map<String, List<NlqQuery>> byClip = new LinkedHashMap<>();
    queries.forEach(q -> byClip.computeIfAbsent(q.clipUid() + "\n" + q.videoStartSec() + "\n" + q.videoEndSec(),
        k -> new ArrayList<>()).add(q));
    int done = 0;
    for (List<NlqQuery> clipQueries : byClip.values()) {
      try {
        evaluateClip(clipQueries, results);
      } catch (ClipUnavailableException e) {
        for (NlqQuery q : clipQueries) {
          results.values().forEach(r -> r.skipped(new SkippedQuestion(q.key(), e.reason(), e.getMessage())));
        }
      }
      done += clipQueries.size();
      progress.queriesDone(done, queries.size());
    }
    return results;
  }

  private void evaluateClip(List<NlqQuery> queries, Map<NlqMethod, NlqResults> results)
      throws ClipUnavailableException {
    NlqQuery first = queries.get(0);
    TimeRange bounds = new TimeRange(0, Math.round(first.clipSeconds() * 1000));
    List<TimeRange> windows = new ArrayList<>();
    for (ClipWindow w : sampling.windows(first.clipSeconds())) {
      windows.add(new TimeRange(Math.round(w.startSeconds() * 1000), Math.round(w.endSeconds() * 1000)));
    }
    ClipRanges ranges = new ClipRanges(file(first, windows.get(0)));
    List<float[]> windowVectors = ranges.embed(windows);
    List<float[]> texts = embedder.texts(queries.stream().map(NlqQuery::query).toList());
    for (int i = 0; i < queries.size(); i++) {
      NlqQuery query = queries.get(i);
      List<Moment> hits = new ArrayList<>();
      for (int w = 0; w < windows.size(); w++) {
        hits.add(new Moment(windows.get(w).startMs(), windows.get(w).endMs(),
            SvittEgo.cosine(texts.get(i), windowVectors.get(w)), List.of(String.valueOf(w))));
      }
      Map<NlqMethod, List<Moment>> found = new EnumMap<>(NlqMethod.class);
      List<Moment> sorted = new ArrayList<>(hits);
      sorted.sort(Moment.BEST_FIRST);
      found.put(NlqMethod.WINDOWS, sorted);
      List<Moment> moments = rules.suppress(hits);
      found.put(NlqMethod.MOMENTS, moments);
      int refineClips = 0;
      if (results.containsKey(NlqMethod.REFINED) || results.containsKey(NlqMethod.RERANK)) {
        List<List<TimeRange>> plan = rules.plan(moments, bounds);
        List<float[]> scores = new ArrayList<>();
        for (List<TimeRange> around : plan) {
          List<float[]> vectors = ranges.embed(around);
          float[] s = new float[vectors.size()];
          for (int r = 0; r < s.length; r++) {
            s[r] = SvittEgo.cosine(texts.get(i), vectors.get(r));
          }
          scores.add(s);
          refineClips += around.size();
        }
        List<Moment> refined = rules.refine(moments, plan, scores);
        found.put(NlqMethod.REFINED, refined);
        if (results.containsKey(NlqMethod.RERANK)) {
          found.put(NlqMethod.RERANK, rerank(query.query(), refined, ranges));
        }
      }
      for (Map.Entry<NlqMethod, NlqResults> r : results.entrySet()) {
        List<double[]> predictions = found.get(r.getKey()).stream().limit(TOP_K)
            .map(m -> new double[] {m.startMs() / 1000.0, m.endMs() / 1000.0}).toList();
        boolean refinedMethod = r.getKey() == NlqMethod.REFINED || r.getKey() == NlqMethod.RERANK;
        r.getValue().scored(new NlqResults.Scored(query, predictions, refinedMethod ? refineClips : 0));
      }
    }
  }

  /** The first {@value #TOP_K} moments re-scored by the ITM logit, best first. */
  private List<Moment> rerank(String query, List<Moment> refined, ClipRanges ranges) throws ClipUnavailableException {
    List<Moment> top = refined.subList(0, Math.min(TOP_K, refined.size()));
    List<Clip> clips = new ArrayList<>();
    for (Moment m : top) {
      clips.add(ranges.load(m.range()));
    }
    float[] itm = matcher.scores(query, clips);
    List<Moment> reranked = new ArrayList<>();
    for (int i = 0; i < top.size(); i++) {
      reranked.add(new Moment(top.get(i).startMs(), top.get(i).endMs(), itm[i], top.get(i).support()));
    }
    reranked.sort(Moment.BEST_FIRST);
    return reranked;
  }

  /** The clip's own file if there is one, else its range of the video's file (real Ego4D ships either). */
  private ClipFile file(NlqQuery q, TimeRange firstWindow) throws ClipUnavailableException {
    ClipFile own = new ClipFile(q.clipUid(), 0);
    if (q.clipUid().equals(q.videoUid())) {
      return new ClipFile(q.videoUid(), q.videoStartSec());
    }
    try {
      new ClipRanges(own).load(firstWindow);
      return own;
    } catch (ClipUnavailableException e) {
      if (e.reason() != SkipReason.MISSING_VIDEO) {
        throw e;
      }
      return new ClipFile(q.videoUid(), q.videoStartSec());
    }
  }
}
