package io.egostream.operators.query;

import io.egostream.model.SvittEgo;
import io.egostream.operators.mcq.ChoiceOutcome;
import io.egostream.operators.mcq.ChoiceRequest;
import io.egostream.operators.moments.Moment;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.moments.TimeRange;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.MomentHit;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Refines the boundaries of a moment query's best moments from the devices' frame buffers, as
 * {@code eval-nlq --method refined} does (keyed by query id).
 *
 * <p>Input 1 is the answer as merged from the clip grid ({@link MomentCandidates}, from {@link MergeHits}). Its best
 * {@link MomentRules#refineCandidates()} moments are planned ({@link MomentRules#plan}: ranges of 5/8, 13/16 and 1
 * of the moment's length with shifted centres, inside the query's range, at most
 * {@link MomentRules#maxExtraClips()} in all), and each range goes to {@link #REQUESTS} as a {@link ChoiceRequest}
 * ({@link ChoiceRequest#forMoment} set, {@link ChoiceRequest#choice} = the range's index in the plan) for the clip
 * builder of its device: the MCQ choices' machinery, so the range's clip is batched with the stream's clips.
 *
 * <p>Input 2 is what became of each range ({@link ChoiceOutcome}): its clip's embedding, or missing with the clip
 * builder's reason (frames aged out, too few frames, given up). When every range has its outcome, or at the deadline
 * ({@link RefineSettings#timeoutMs()} of wall-clock time after the candidates came; the requests expire then too), the
 * ranges are scored by cosine with the query's text, and each candidate's range becomes the score-weighted mean of its
 * own and its ranges, each device's moments are merged again ({@link MomentRules#refine}), and the answer goes out:
 * hits as they were, moments refined. A candidate none of whose ranges could be scored stays as it was:
 * {@link MomentHit#refined} false, {@link MomentHit#refineNote} says why. An answer with nothing to refine (no
 * moments) goes out at once. Every answer clears the query's state and deletes its timer.
 *
 * <p>Each parallel instance bounds the range clips it has asked for and not had back (an outcome, or the query's
 * answer, gives a range back) at {@link RefineSettings#maxOutstandingClips()}: those clips queue for the model in
 * front of the stream's clips, and through the clip builder in front of every query's text, so a burst of moment
 * queries would otherwise hold up every answer. A query whose ranges would pass the bound is answered at once with
 * its moments as merged, each candidate's {@link MomentHit#refineNote} saying why. The count lives in memory: after a
 * restore it starts at zero, and the queries restored waiting are not in it (they are answered by their deadline at
 * the latest); each query remembers which instance counted its ranges, so only that one gives them back.
 *
 * <p>Outcomes for a query not waiting here (a repeat after a restart, or later than its deadline) are dropped and
 * counted. Metrics: {@code refinedAnswers}, {@code refineTimeouts}, {@code refineRangesRequested},
 * {@code refineSkipped} (answered unrefined for the bound), {@code refineOutstandingClips} (gauge),
 * {@code orphanRangeOutcomes}.
 */
public class RefineMoments extends KeyedCoProcessFunction<String, MomentCandidates, ChoiceOutcome, AnswerRecord> {
  private static final long serialVersionUID = 1L;

  /** Exact-range clip requests, for the clip builder (keyed by device). */
  public static final OutputTag<ChoiceRequest> REQUESTS =
      new OutputTag<>("refine-requests", TypeInformation.of(ChoiceRequest.class));

  /** A query's range unbounded on a side stands for this far; a quarter of the range keeps lengths from overflowing. */
  private static final long UNBOUNDED = Long.MAX_VALUE / 4;

  private final RefineSettings settings;
  private final MomentRules rules;

  /** The answer being refined; null when none is waiting. */
  private transient ValueState<MomentCandidates> pending;
  /** Range index → its outcome, as they arrive. */
  private transient MapState<Integer, ChoiceOutcome> outcomes;
  /** Wall-clock time of the deadline timer; set exactly while an answer waits. */
  private transient ValueState<Long> deadline;
  /** The {@link #instance} whose {@link #outstanding} holds the waiting answer's ranges; set exactly while it waits. */
  private transient ValueState<Long> countedBy;
  /** Range clips this instance asked for that have neither come back nor been given up with their query's answer. */
  private transient long outstanding;
  /** Names this run of this instance, so ranges counted before a restore are not given back to a fresh count. */
  private transient long instance;
  private transient Counter refinedAnswers;
  private transient Counter refineTimeouts;
  private transient Counter refineRangesRequested;
  private transient Counter refineSkipped;
  private transient Counter orphanRangeOutcomes;

  public RefineMoments(RefineSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.rules = settings.rules();
  }

  @Override
  public void open(OpenContext openContext) {
    pending = getRuntimeContext().getState(
        new ValueStateDescriptor<>("refine-answer", TypeInformation.of(MomentCandidates.class)));
    outcomes = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("refine-outcomes", Types.INT, TypeInformation.of(ChoiceOutcome.class)));
    deadline = getRuntimeContext().getState(new ValueStateDescriptor<>("refine-deadline", Types.LONG));
    countedBy = getRuntimeContext().getState(new ValueStateDescriptor<>("refine-counted-by", Types.LONG));
    outstanding = 0;
    instance = new SecureRandom().nextLong();
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    refinedAnswers = metrics.counter("refinedAnswers");
    refineTimeouts = metrics.counter("refineTimeouts");
    refineRangesRequested = metrics.counter("refineRangesRequested");
    refineSkipped = metrics.counter("refineSkipped");
    metrics.gauge("refineOutstandingClips", () -> outstanding);
    orphanRangeOutcomes = metrics.counter("orphanRangeOutcomes");
  }

  @Override
  public void processElement1(MomentCandidates candidates, Context ctx, Collector<AnswerRecord> out)
      throws Exception {
    if (pending.value() != null) {
      out.collect(candidates.answer); // the same query id again while the first is refined: this one as merged
      return;
    }
    List<List<TimeRange>> plan = plan(candidates);
    long now = ctx.timerService().currentProcessingTime();
    if (plan.isEmpty()) {
      out.collect(refined(candidates, plan, null, now));
      return;
    }
    int size = size(plan);
    if (outstanding + size > settings.maxOutstandingClips()) {
      refineSkipped.inc();
      String why = "not refined: " + outstanding + " refinement clips of other queries outstanding and " + size
          + " more would pass " + RefineSettings.MAX_OUTSTANDING_CLIPS.key() + " (" + settings.maxOutstandingClips()
          + " per parallel instance)";
      out.collect(refined(candidates, plan, new Outcomes(Map.of(), null, why), now));
      return;
    }
    long at = now + settings.timeoutMs();
    int index = 0;
    for (int i = 0; i < plan.size(); i++) {
      String device = candidates.answer.moments[i].deviceId;
      for (TimeRange range : plan.get(i)) {
        ChoiceRequest request = new ChoiceRequest(candidates.answer.queryId, index++, device, range.startMs(),
            range.endMs(), candidates.modelId, at);
        request.forMoment = true;
        ctx.output(REQUESTS, request);
      }
    }
    refineRangesRequested.inc(index);
    outstanding += index;
    countedBy.update(instance);
    pending.update(candidates);
    ctx.timerService().registerProcessingTimeTimer(at);
    deadline.update(at);
  }

  @Override
  public void processElement2(ChoiceOutcome outcome, Context ctx, Collector<AnswerRecord> out) throws Exception {
    MomentCandidates candidates = pending.value();
    if (candidates == null) {
      orphanRangeOutcomes.inc();
      return;
    }
    if (!outcomes.contains(outcome.choice)) { // one outcome per range; the first one stands
      outcomes.put(outcome.choice, outcome);
      if (countedHere()) {
        outstanding--;
      }
    }
    List<List<TimeRange>> plan = plan(candidates);
    if (received() >= size(plan)) {
      answer(ctx, out, plan, null);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnswerRecord> out) throws Exception {
    Long at = deadline.value();
    if (at != null && at == timestamp) {
      refineTimeouts.inc();
      answer(ctx, out, plan(pending.value()), "not embedded within " + RefineSettings.TIMEOUT_MS.key() + " ("
          + settings.timeoutMs() + " ms)");
    }
  }

  private static int size(List<List<TimeRange>> plan) {
    return plan.stream().mapToInt(List::size).sum();
  }

  /** How many ranges of the waiting answer have their outcome. */
  private int received() throws Exception {
    int received = 0;
    for (Integer ignored : outcomes.keys()) {
      received++;
    }
    return received;
  }

  /** Whether this instance counted the waiting answer's ranges (not so for one restored waiting). */
  private boolean countedHere() throws Exception {
    Long by = countedBy.value();
    return by != null && by == instance;
  }

  /** The ranges to embed around the answer's best moments, inside the query's range. */
  private List<List<TimeRange>> plan(MomentCandidates candidates) {
    MomentHit[] moments = candidates.answer.moments;
    if (moments == null || moments.length == 0 || candidates.textEmbedding == null) {
      return List.of();
    }
    List<Moment> ranked = new ArrayList<>();
    for (MomentHit m : moments) {
      ranked.add(moment(m));
    }
    long from = candidates.fromMs > 0 ? candidates.fromMs : -UNBOUNDED;
    long to = candidates.toMs > 0 ? candidates.toMs : UNBOUNDED;
    if (to <= from) {
      return List.of(); // a range no moment can be in (DecodeQueries refuses empty ones): nothing to refine
    }
    return rules.plan(ranked, new TimeRange(from, to));
  }

  /** Scores what has arrived, emits the refined answer, clears the state and the timer. */
  private void answer(Context ctx, Collector<AnswerRecord> out, List<List<TimeRange>> plan, String missingWhy)
      throws Exception {
    MomentCandidates candidates = pending.value();
    Map<Integer, ChoiceOutcome> received = new HashMap<>();
    for (Map.Entry<Integer, ChoiceOutcome> e : outcomes.entries()) {
      received.put(e.getKey(), e.getValue());
    }
    out.collect(refined(candidates, plan, new Outcomes(received, missingWhy, null),
        ctx.timerService().currentProcessingTime()));
    refinedAnswers.inc();
    if (countedHere()) {
      outstanding -= size(plan) - received.size(); // those not back are given up: the requests expire now too
    }
    ctx.timerService().deleteProcessingTimeTimer(deadline.value());
    pending.clear();
    outcomes.clear();
    deadline.clear();
    countedBy.clear();
  }

  /**
   * The ranges' outcomes by index, and why those without one are missing (null: none can be); or, when
   * {@code skippedWhy} is set, why no range was asked for.
   */
  private record Outcomes(Map<Integer, ChoiceOutcome> byIndex, String missingWhy, String skippedWhy) {}

  /** The answer with its candidates refined by the scored ranges (as merged when {@code plan} is empty). */
  private AnswerRecord refined(MomentCandidates candidates, List<List<TimeRange>> plan, Outcomes outcomes, long now) {
    AnswerRecord coarse = candidates.answer;
    int n = plan.size();
    List<float[]> scores = new ArrayList<>();
    int[] scored = new int[n];
    String[] notes = new String[n];
    int index = 0;
    for (int i = 0; i < n; i++) {
      List<TimeRange> ranges = plan.get(i);
      float[] s = new float[ranges.size()];
      if (outcomes.skippedWhy() != null) {
        Arrays.fill(s, Float.NaN);
        scores.add(s);
        notes[i] = outcomes.skippedWhy();
        continue;
      }
      List<String> why = new ArrayList<>();
      for (int r = 0; r < ranges.size(); r++) {
        ChoiceOutcome o = outcomes.byIndex().get(index++);
        s[r] = o != null && o.isScorable() ? SvittEgo.cosine(candidates.textEmbedding, o.embedding) : Float.NaN;
        if (!Float.isNaN(s[r])) {
          scored[i]++;
        } else {
          TimeRange range = ranges.get(r);
          why.add("[" + range.startMs() + ", " + range.endMs() + ") " + (o == null ? outcomes.missingWhy()
              : o.isScorable() ? "embedded by another model" : o.reason));
        }
      }
      scores.add(s);
      notes[i] = why.isEmpty() ? null : why.size() + " of " + ranges.size() + " ranges not scored, first "
          + why.get(0);
    }
    // Each device's moments, in the answer's order: its candidates come first (the answer's best are a prefix).
    MomentHit[] moments = coarse.moments == null ? new MomentHit[0] : coarse.moments;
    Map<String, List<Integer>> byDevice = new LinkedHashMap<>();
    Map<String, String> sessions = new HashMap<>();
    Map<String, Integer> candidateOf = new HashMap<>();
    for (int j = 0; j < moments.length; j++) {
      MomentHit m = moments[j];
      byDevice.computeIfAbsent(m.deviceId, d -> new ArrayList<>()).add(j);
      for (long start : m.clipStartsMs) {
        sessions.putIfAbsent(m.deviceId + "@" + start, m.sessionId);
      }
      if (j < n) {
        candidateOf.put(m.deviceId + "@" + m.clipStartsMs[0], j);
      }
    }
    List<MomentHit> result = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> device : byDevice.entrySet()) {
      List<Moment> ranked = new ArrayList<>();
      List<List<TimeRange>> devicePlan = new ArrayList<>();
      List<float[]> deviceScores = new ArrayList<>();
      for (int j : device.getValue()) {
        ranked.add(moment(moments[j]));
        if (j < n) {
          devicePlan.add(plan.get(j));
          deviceScores.add(scores.get(j));
        }
      }
      for (Moment m : rules.refine(ranked, devicePlan, deviceScores)) {
        String bestClip = device.getKey() + "@" + m.support().get(0);
        MomentHit hit = new MomentHit(device.getKey(), sessions.get(bestClip), m.startMs(), m.endMs(), m.score(),
            m.support().stream().mapToLong(Long::parseLong).toArray());
        Integer j = candidateOf.get(bestClip);
        if (j != null) {
          hit.refined = scored[j] > 0;
          hit.refineRanges = scored[j];
          hit.refineNote = notes[j];
        }
        result.add(hit);
      }
    }
    result.sort(MomentHit.BEST_FIRST);
    long latencyFrom = coarse.answerTimeMs - coarse.latencyMs;
    AnswerRecord answer = new AnswerRecord(coarse.queryId, coarse.kind, coarse.status, coarse.reason,
        Math.max(0, now - latencyFrom), now);
    answer.hits = coarse.hits;
    answer.moments = result.subList(0, Math.min(moments.length, result.size())).toArray(new MomentHit[0]);
    return answer;
  }

  /** A moment of the answer as the rules see it: its clips' starts name its support. */
  private static Moment moment(MomentHit m) {
    return new Moment(m.startMs, m.endMs, m.score, Arrays.stream(m.clipStartsMs).mapToObj(Long::toString).toList());
  }
}
