package io.egostream.operators.query;

import io.egostream.model.SvittEgo;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.moments.TimeRange;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.MomentHit;
import io.egostream.operators.records.QueryRecord;
import io.egostream.operators.records.Reasons;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The searchable memory of the job: every device's recent clip embeddings, answering moment queries over them and
 * watching new clips for standing queries.
 *
 * <p><b>Inputs.</b> Clips keyed by device id; queries (after {@link EmbedTexts}) broadcast to every instance with
 * {@link #STANDING_QUERIES} as the broadcast state descriptor. MCQ queries are not answered here and are ignored.
 *
 * <p><b>Clips</b> are kept per device in keyed map state (start → {@link StoredClip}) for
 * {@link StoreSettings#retentionMs()} of event time after their end. Eviction runs on event-time timers, rounded up to
 * {@link StoreSettings#evictionIntervalMs()}: Flink's state TTL counts processing time only, and the store's horizon is
 * video time (a replayed hour must stay searchable however fast it is replayed). So a device that stops sending is
 * emptied once the watermark passes its last clip's end plus the retention. This operator's watermark is the
 * minimum of both inputs': the query stream must not hold it back (give the query source a watermark strategy with
 * idleness), or no clip is ever evicted. Clips come in their own device's event time ({@code ClipBuilder}), so a
 * device that uploads late sends clips behind the watermark: they are stored and scored like any other, and evicted by
 * the next watermark once it is past their end plus the retention (at once, for a device over an hour behind).
 *
 * <p><b>Moment queries</b> arrive on every instance; each scores the clips of all devices it holds
 * ({@code applyToKeyedState}) that pass the query's device and time filters (a clip is in the range when it
 * overlaps [from, to)) and whose frames cover their window ({@link MomentRules#coversWindow}: not a session's partial
 * first or last window), and emits one {@link PartialHits} with its local best {@code k · clipsPerMoment} clips (enough
 * for k moments: {@link MomentRules#clipsPerMoment}), even when empty, tagged with its subtask index and the
 * parallelism, so {@link MergeHits} knows how many to wait for.
 *
 * <p><b>Standing queries</b> live in broadcast state (the same on every instance) until cancelled. A new clip is
 * scored against each, on the one instance that holds its device, and a match at or above the threshold fires an
 * answer (kind STANDING, one hit and one moment) on {@link #ANSWERS} at once, once per moment: a matching clip whose
 * IoU with the newest matching clip of the moment the query last reported for the device is more than
 * {@link MomentRules#nmsIou()} (the next clip of the grid, at the defaults) continues that moment and fires nothing.
 * A standing query re-sent with the same id replaces the old one (a producer retry must not be an error) and keeps
 * its moments. Only clips arriving after the query are watched.
 *
 * <p><b>State per device</b> (keyed): its clips ({@code device-clips}), and per standing query the moment it last
 * reported ({@code standing-moments}: at most one per registered query, so bounded by
 * {@link QueryLimits#standingMax()}), removed with its query (cancel, expiry) and with the device's last clip.
 *
 * <p><b>Limits on standing queries</b> ({@link QueryLimits}), counted in the broadcast state so that every instance
 * reaches the same verdict: a new id beyond {@link QueryLimits#standingMax()} registered queries, or beyond
 * {@link QueryLimits#standingMaxPerText()} with the same normalised text, is not registered and is answered ERROR
 * (kind STANDING) naming the option. A standing query expires {@link QueryLimits#standingMaxLifetimeMs()} of wall-clock
 * time after the job's ingest of it: from then on it fires no more, and it is removed, answered TIMED_OUT (kind
 * STANDING), when the next query of any kind arrives (broadcast state can only change there; the incoming query's
 * ingest time is the clock, so that every instance removes the same ones).
 *
 * <p><b>Cancels</b> remove the standing query on every instance; the instance with subtask index 0 alone answers
 * (kind CANCEL: OK, or ERROR when no standing query has that id), so there is one answer per cancel. Every instance
 * reaches the same verdict because a standing query and its cancel travel the same path (same Kafka partition, same
 * {@link EmbedTexts} lane) and a broadcast keeps each sender's order. Errors and expiries are answered by subtask 0
 * alone, likewise.
 *
 * <p>Scores compare a text only with clips of the model that embedded it ({@code modelId}): after a model change the
 * old clips age out unscored rather than being compared across embedding spaces. Metrics: {@code clipsStored},
 * {@code clipsEvicted}, {@code standingMatches}, {@code momentQueries}, {@code standingRejected},
 * {@code standingExpired}.
 */
public class ClipStore extends KeyedBroadcastProcessFunction<String, EmbeddedClip, EmbeddedQuery, PartialHits> {
  private static final long serialVersionUID = 1L;

  /** Standing queries by id: the broadcast state; pass it to {@code broadcast(...)} when wiring the job. */
  public static final MapStateDescriptor<String, EmbeddedQuery> STANDING_QUERIES =
      new MapStateDescriptor<>("standing-queries", Types.STRING, TypeInformation.of(EmbeddedQuery.class));

  /** Answers made here: standing-query hits and cancel confirmations or errors. */
  public static final OutputTag<AnswerRecord> ANSWERS =
      new OutputTag<>("clip-store-answers", TypeInformation.of(AnswerRecord.class));

  private final StoreSettings settings;
  private final QueryLimits limits;
  private final MomentRules rules;
  private final int clipsPerMoment;

  /** Kept: {@code applyToKeyedState} needs the descriptor the state was declared with. */
  private transient MapStateDescriptor<Long, StoredClip> clipsDescriptor;
  /** The current device's clips, by start time. */
  private transient MapState<Long, StoredClip> clips;
  /** Kept for {@code applyToKeyedState}, which removes a cancelled or expired query's moments on every device. */
  private transient MapStateDescriptor<String, ReportedMoment> momentsDescriptor;
  /** Standing query id → the moment it last reported for this device. */
  private transient MapState<String, ReportedMoment> reported;
  private transient int subtaskIndex;
  private transient int parallelism;
  private transient Counter clipsStored;
  private transient Counter clipsEvicted;
  private transient Counter standingMatches;
  private transient Counter momentQueries;
  private transient Counter standingRejected;
  private transient Counter standingExpired;

  /**
   * @param rules how clips merge into moments (moment and standing queries)
   * @param clipsPerMoment candidates sent per moment wanted: {@link MomentRules#clipsPerMoment} of the clip grid
   */
  public ClipStore(StoreSettings settings, QueryLimits limits, MomentRules rules, int clipsPerMoment) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.rules = Objects.requireNonNull(rules, "rules");
    if (clipsPerMoment < 1) {
      throw new IllegalArgumentException("Invalid clips per moment " + clipsPerMoment + ": must be at least 1");
    }
    this.clipsPerMoment = clipsPerMoment;
  }

  @Override
  public void open(OpenContext openContext) {
    clipsDescriptor = new MapStateDescriptor<>("device-clips", Types.LONG, TypeInformation.of(StoredClip.class));
    clips = getRuntimeContext().getMapState(clipsDescriptor);
    momentsDescriptor = new MapStateDescriptor<>("standing-moments", Types.STRING,
        TypeInformation.of(ReportedMoment.class));
    reported = getRuntimeContext().getMapState(momentsDescriptor);
    subtaskIndex = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    clipsStored = getRuntimeContext().getMetricGroup().counter("clipsStored");
    clipsEvicted = getRuntimeContext().getMetricGroup().counter("clipsEvicted");
    standingMatches = getRuntimeContext().getMetricGroup().counter("standingMatches");
    momentQueries = getRuntimeContext().getMetricGroup().counter("momentQueries");
    standingRejected = getRuntimeContext().getMetricGroup().counter("standingRejected");
    standingExpired = getRuntimeContext().getMetricGroup().counter("standingExpired");
  }

  // ---- clips ----

  @Override
  public void processElement(EmbeddedClip clip, ReadOnlyContext ctx, Collector<PartialHits> out) throws Exception {
    clips.put(clip.startMs, new StoredClip(clip));
    // Timers are unique per key and time, so clips sharing an eviction interval share one timer.
    ctx.timerService().registerEventTimeTimer(settings.evictAt(clip.endMs));
    clipsStored.inc();

    long now = ctx.timerService().currentProcessingTime();
    ReadOnlyBroadcastState<String, EmbeddedQuery> standing = ctx.getBroadcastState(STANDING_QUERIES);
    for (Map.Entry<String, EmbeddedQuery> entry : standing.immutableEntries()) {
      EmbeddedQuery query = entry.getValue();
      if (!watches(query.query, clip.deviceId) || !Objects.equals(query.modelId, clip.modelId)
          || expired(query.query, now)) {
        continue;
      }
      float score = SvittEgo.cosine(query.textEmbedding, clip.embedding);
      if (score >= query.query.threshold) {
        standingMatches.inc();
        if (continues(query.query.queryId, clip, score)) {
          continue; // the moment this query already reported for the device goes on: once per moment
        }
        reported.put(query.query.queryId, new ReportedMoment(clip.startMs, clip.endMs, score));
        AnswerRecord answer = answer(query.query, AnswerRecord.Kind.STANDING, AnswerRecord.Status.OK, null,
            Math.max(query.query.ingestTimeMs, clip.ingestTimeMs), now);
        answer.hits = new ClipHit[] {
            new ClipHit(clip.deviceId, clip.sessionId, clip.startMs, clip.endMs, score, clip.ingestTimeMs)};
        answer.moments = new MomentHit[] {
            new MomentHit(clip.deviceId, clip.sessionId, clip.startMs, clip.endMs, score, new long[] {clip.startMs})};
        ctx.output(ANSWERS, answer);
      }
    }
  }

  /**
   * Whether the matching {@code clip} continues the moment {@code queryId} last reported for this device (IoU with
   * its newest clip more than the rules' threshold); if so, extends that moment to it.
   */
  private boolean continues(String queryId, EmbeddedClip clip, float score) throws Exception {
    ReportedMoment moment = reported.get(queryId);
    TimeRange range = new TimeRange(clip.startMs, clip.endMs);
    if (moment == null || new TimeRange(moment.lastClipStartMs, moment.lastClipEndMs).iou(range) <= rules.nmsIou()) {
      return false;
    }
    moment.startMs = Math.min(moment.startMs, clip.startMs);
    moment.endMs = Math.max(moment.endMs, clip.endMs);
    moment.score = Math.max(moment.score, score);
    moment.lastClipStartMs = clip.startMs;
    moment.lastClipEndMs = clip.endMs;
    reported.put(queryId, moment);
    return true;
  }

  /** An eviction timer: drops the device's clips whose retention ended by {@code timestamp}. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<PartialHits> out) throws Exception {
    List<Long> expired = new ArrayList<>();
    for (Map.Entry<Long, StoredClip> entry : clips.entries()) {
      if (settings.evictAt(entry.getValue().endMs) <= timestamp) {
        expired.add(entry.getKey());
      }
    }
    for (Long start : expired) {
      clips.remove(start);
    }
    clipsEvicted.inc(expired.size());
    if (clips.isEmpty()) {
      clips.clear(); // a device gone quiet leaves nothing behind
      reported.clear();
    }
  }

  // ---- queries ----

  @Override
  public void processBroadcastElement(EmbeddedQuery query, Context ctx, Collector<PartialHits> out) throws Exception {
    removeExpired(query.query.ingestTimeMs, ctx);
    switch (query.query.kind) {
      case QueryRecord.MOMENT -> moment(query, ctx, out);
      case QueryRecord.STANDING -> register(query, ctx);
      case QueryRecord.CANCEL -> cancel(query.query, ctx);
      default -> { } // MCQ: answered by the MCQ operators, from frames rather than stored clips
    }
  }

  private void moment(EmbeddedQuery embedded, Context ctx, Collector<PartialHits> out) throws Exception {
    QueryRecord query = embedded.query;
    int topK = Math.max(1, query.topK);
    int wanted = (int) Math.min(Integer.MAX_VALUE - 1, (long) topK * clipsPerMoment);
    // The worst of the best on top, so each better clip replaces it in O(log wanted).
    PriorityQueue<ClipHit> best = new PriorityQueue<>(wanted + 1, ClipHit.BEST_FIRST.reversed());
    int[] scored = {0};
    ctx.applyToKeyedState(clipsDescriptor, (String device, MapState<Long, StoredClip> state) -> {
      if (!watches(query, device)) {
        return;
      }
      for (StoredClip clip : state.values()) {
        if (!inRange(query, clip) || !Objects.equals(embedded.modelId, clip.modelId) || clip.partialWindow) {
          continue;
        }
        scored[0]++;
        float score = SvittEgo.cosine(embedded.textEmbedding, clip.embedding);
        if (Float.isNaN(score)) {
          continue; // a NaN would sort anywhere; the embeddings are unit vectors, so this is a broken clip
        }
        best.add(new ClipHit(device, clip.sessionId, clip.startMs, clip.endMs, score, clip.ingestTimeMs));
        if (best.size() > wanted) {
          best.poll();
        }
      }
    });
    ClipHit[] hits = best.toArray(new ClipHit[0]);
    Arrays.sort(hits, ClipHit.BEST_FIRST);
    PartialHits partial = new PartialHits(query.queryId, subtaskIndex, parallelism, topK, clipsPerMoment, hits,
        scored[0], query.ingestTimeMs);
    partial.textEmbedding = embedded.textEmbedding;
    partial.modelId = embedded.modelId;
    partial.fromMs = query.fromMs;
    partial.toMs = query.toMs;
    out.collect(partial);
    momentQueries.inc();
  }

  /** Registers a standing query unless it is a new id over a limit, which subtask 0 answers ERROR. */
  private void register(EmbeddedQuery query, Context ctx) throws Exception {
    BroadcastState<String, EmbeddedQuery> standing = ctx.getBroadcastState(STANDING_QUERIES);
    QueryRecord q = query.query;
    if (!standing.contains(q.queryId)) { // a re-sent id replaces its query and takes no new place
      String text = normalised(q.text);
      int registered = 0;
      int sameText = 0;
      for (Map.Entry<String, EmbeddedQuery> entry : standing.immutableEntries()) {
        registered++;
        if (normalised(entry.getValue().query.text).equals(text)) {
          sameText++;
        }
      }
      String overLimit = registered >= limits.standingMax()
          ? registered + " are registered, the most " + QueryLimits.STANDING_MAX.key() + " (" + limits.standingMax()
              + ")"
          : sameText >= limits.standingMaxPerText()
              ? sameText + " with the same text are registered, the most " + QueryLimits.STANDING_MAX_PER_TEXT.key()
                  + " (" + limits.standingMaxPerText() + ")"
              : null;
      if (overLimit != null) {
        standingRejected.inc();
        if (subtaskIndex == 0) {
          ctx.output(ANSWERS, answer(q, AnswerRecord.Kind.STANDING, AnswerRecord.Status.ERROR,
              "standing query not registered: " + overLimit + " allows (cancel one, or raise the option)",
              q.ingestTimeMs, ctx.currentProcessingTime()));
        }
        return;
      }
    }
    standing.put(q.queryId, query);
  }

  /** Removes the standing queries expired by {@code clock} (an incoming query's ingest time); subtask 0 answers. */
  private void removeExpired(long clock, Context ctx) throws Exception {
    BroadcastState<String, EmbeddedQuery> standing = ctx.getBroadcastState(STANDING_QUERIES);
    List<QueryRecord> expired = new ArrayList<>();
    for (Map.Entry<String, EmbeddedQuery> entry : standing.immutableEntries()) {
      if (expired(entry.getValue().query, clock)) {
        expired.add(entry.getValue().query);
      }
    }
    for (QueryRecord q : expired) {
      standing.remove(q.queryId);
      forgetMoments(q.queryId, ctx);
      standingExpired.inc();
      if (subtaskIndex == 0) {
        ctx.output(ANSWERS, answer(q, AnswerRecord.Kind.STANDING, AnswerRecord.Status.TIMED_OUT,
            "standing query expired: registered longer than " + QueryLimits.STANDING_MAX_LIFETIME_MS.key() + " ("
                + limits.standingMaxLifetimeMs() + " ms) allows; send it again to keep watching",
            q.ingestTimeMs + limits.standingMaxLifetimeMs(), ctx.currentProcessingTime()));
      }
    }
  }

  private void cancel(QueryRecord cancel, Context ctx) throws Exception {
    BroadcastState<String, EmbeddedQuery> standing = ctx.getBroadcastState(STANDING_QUERIES);
    boolean known = standing.contains(cancel.queryId);
    if (known) {
      standing.remove(cancel.queryId);
      forgetMoments(cancel.queryId, ctx);
    }
    if (subtaskIndex != 0) {
      return; // every instance removed it; one answers
    }
    long now = ctx.currentProcessingTime();
    ctx.output(ANSWERS, known
        ? answer(cancel, AnswerRecord.Kind.CANCEL, AnswerRecord.Status.OK, null, cancel.ingestTimeMs, now)
        : answer(cancel, AnswerRecord.Kind.CANCEL, AnswerRecord.Status.ERROR, "no standing query with id "
            + Reasons.quote(cancel.queryId) + " is registered: it was never registered, was already cancelled, "
            + "expired, or was rejected as invalid (a cancel must carry the query_id of the standing query)",
            cancel.ingestTimeMs, now));
  }

  // ---- helpers ----

  /** Removes the moments standing query {@code queryId} reported, on every device this instance holds. */
  private void forgetMoments(String queryId, Context ctx) throws Exception {
    ctx.applyToKeyedState(momentsDescriptor, (String device, MapState<String, ReportedMoment> state) -> {
      state.remove(queryId);
      if (state.isEmpty()) {
        state.clear();
      }
    });
  }

  /** Whether {@code query} looks at {@code deviceId}: its device list is empty (all devices) or names it. */
  private static boolean watches(QueryRecord query, String deviceId) {
    if (query.deviceIds == null || query.deviceIds.length == 0) {
      return true;
    }
    for (String id : query.deviceIds) {
      if (id.equals(deviceId)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the standing query {@code query} has outlived its lifetime by wall-clock time {@code now}. */
  private boolean expired(QueryRecord query, long now) {
    // No overflow: ingest times are wall-clock times and the lifetime is at most a year.
    return now >= query.ingestTimeMs + limits.standingMaxLifetimeMs();
  }

  /** A text as the uncased tokenizer sees it, near enough: trimmed, white space runs as one space, lower case. */
  private static String normalised(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }

  /** Whether the clip overlaps the query's [fromMs, toMs), either side unbounded when 0. */
  private static boolean inRange(QueryRecord query, StoredClip clip) {
    return (query.fromMs <= 0 || clip.endMs > query.fromMs) && (query.toMs <= 0 || clip.startMs < query.toMs);
  }

  private static AnswerRecord answer(QueryRecord query, AnswerRecord.Kind kind, AnswerRecord.Status status,
      String reason, long latencyFromMs, long now) {
    return new AnswerRecord(query.queryId, kind, status, reason, Math.max(0, now - latencyFromMs), now);
  }
}
