package io.egostream.operators.query;

import static io.egostream.operators.config.OptionChecks.require;

import io.egostream.operators.moments.Moment;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.operators.records.MomentHit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Merges the {@link PartialHits} of a moment query (keyed by query id), one per parallel {@link ClipStore}, into its
 * answer: the best {@code topK} of all partial hits as its hits ({@link ClipHit#BEST_FIRST}, so ties always break the
 * same way), and the best {@code topK} moments as its moments: the best {@code topK · clipsPerMoment} of all partial
 * hits, each device's merged by {@link MomentRules#suppress} (the rule {@code eval-nlq --method moments} uses), so no
 * two moments of one device overlap by more than {@link MomentRules#nmsIou()}. Each store sends that many candidates
 * ({@link ClipStore}), so the merge sees the same best clips as one store holding every clip would, and there are
 * {@code topK} moments whenever the stores hold that many.
 *
 * <p>The answer goes out, status OK, as soon as every instance's partial is in (their number travels with each
 * partial). If some are still missing {@code timeoutMs} of processing time after the first arrived (an instance
 * restarting, or far behind), the answer goes out anyway, status PARTIAL, from the partials that came, with a reason
 * naming the missing instances: a query is never left unanswered. Partials arriving within another {@code timeoutMs}
 * after such an answer are dropped (and counted), so a query gets one answer; a partial later than that would open
 * a second answer, which would then be PARTIAL too.
 *
 * <p>When the rules refine moments ({@link MomentRules#refineCandidates()} and {@link MomentRules#maxExtraClips()}
 * above 0), the answer goes to {@link #TO_REFINE} instead, with the query's text embedding and range, for
 * {@link RefineMoments} to refine its best moments and send it.
 *
 * <p>Latency: from the later of the query's ingest and the newest ingest of a clip among the hits. Metrics:
 * {@code momentAnswers}, {@code partialAnswers}, {@code latePartials}.
 */
public class MergeHits extends KeyedProcessFunction<String, PartialHits, AnswerRecord> {
  private static final long serialVersionUID = 1L;

  /** 5 s: long enough for a busy instance to get to the query, short enough for a person waiting for an answer. */
  public static final ConfigOption<Long> TIMEOUT_MS = ConfigOptions.key("moment.merge-timeout.ms")
      .longType().defaultValue(5_000L)
      .withDescription("Longest a moment query waits for every parallel store's hits before answering partial.");

  /** Answers whose best moments are to be refined, when the rules refine ({@link RefineMoments}). */
  public static final OutputTag<MomentCandidates> TO_REFINE =
      new OutputTag<>("moments-to-refine", TypeInformation.of(MomentCandidates.class));

  private final long timeoutMs;
  private final MomentRules rules;

  /** The partials received so far for this query. */
  private transient ListState<PartialHits> partials;
  /** Processing time of the pending timeout timer; set exactly while partials are awaited. */
  private transient ValueState<Long> deadline;
  /** After a PARTIAL answer: until when late partials of this query are dropped (and the timer that clears it). */
  private transient ValueState<Long> answeredUntil;
  private transient Counter momentAnswers;
  private transient Counter partialAnswers;
  private transient Counter latePartials;

  /**
   * @param timeoutMs processing time to wait for all partials after the first, before answering PARTIAL
   * @param rules how clip hits merge into moments
   */
  public MergeHits(long timeoutMs, MomentRules rules) {
    require(timeoutMs >= 1, TIMEOUT_MS, timeoutMs, "must be at least 1 (processing-time ms to wait for every clip "
        + "store's hits, e.g. " + TIMEOUT_MS.defaultValue() + ")");
    this.timeoutMs = timeoutMs;
    this.rules = Objects.requireNonNull(rules, "rules");
  }

  @Override
  public void open(OpenContext openContext) {
    partials = getRuntimeContext().getListState(
        new ListStateDescriptor<>("moment-partials", TypeInformation.of(PartialHits.class)));
    deadline = getRuntimeContext().getState(new ValueStateDescriptor<>("moment-deadline", Types.LONG));
    answeredUntil = getRuntimeContext().getState(new ValueStateDescriptor<>("moment-answered-until", Types.LONG));
    momentAnswers = getRuntimeContext().getMetricGroup().counter("momentAnswers");
    partialAnswers = getRuntimeContext().getMetricGroup().counter("partialAnswers");
    latePartials = getRuntimeContext().getMetricGroup().counter("latePartials");
  }

  @Override
  public void processElement(PartialHits partial, Context ctx, Collector<AnswerRecord> out) throws Exception {
    if (answeredUntil.value() != null) {
      latePartials.inc(); // the query was answered PARTIAL without it
      return;
    }
    partials.add(partial);
    long now = ctx.timerService().currentProcessingTime();
    if (deadline.value() == null) {
      long at = now + timeoutMs;
      ctx.timerService().registerProcessingTimeTimer(at);
      deadline.update(at);
    }
    TreeMap<Integer, PartialHits> bySubtask = bySubtask();
    if (bySubtask.size() >= partial.parallelism) {
      emit(merge(bySubtask, AnswerRecord.Status.OK, null, now), bySubtask, ctx, out);
      ctx.timerService().deleteProcessingTimeTimer(deadline.value());
      partials.clear();
      deadline.clear();
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnswerRecord> out) throws Exception {
    Long pending = deadline.value();
    if (pending != null && pending == timestamp) {
      TreeMap<Integer, PartialHits> bySubtask = bySubtask();
      int expected = bySubtask.firstEntry().getValue().parallelism;
      List<Integer> missing = new ArrayList<>();
      for (int i = 0; i < expected; i++) {
        if (!bySubtask.containsKey(i)) {
          missing.add(i);
        }
      }
      String reason = "only " + bySubtask.size() + " of " + expected + " clip store instances answered within "
          + timeoutMs + " ms (missing: subtask(s) " + missing + "); the hits are the best among the clips of those "
          + "that answered";
      emit(merge(bySubtask, AnswerRecord.Status.PARTIAL, reason, timestamp), bySubtask, ctx, out);
      partials.clear();
      deadline.clear();
      long forgetAt = timestamp + timeoutMs;
      ctx.timerService().registerProcessingTimeTimer(forgetAt);
      answeredUntil.update(forgetAt);
    } else {
      Long until = answeredUntil.value();
      if (until != null && until == timestamp) {
        answeredUntil.clear();
      }
    }
  }

  /** Sends the answer, or, when the rules refine, sends it to {@link #TO_REFINE}. */
  private void emit(AnswerRecord answer, TreeMap<Integer, PartialHits> bySubtask, Context ctx,
      Collector<AnswerRecord> out) {
    PartialHits first = bySubtask.firstEntry().getValue();
    if (rules.refineCandidates() > 0 && rules.maxExtraClips() > 0 && first.textEmbedding != null) {
      ctx.output(TO_REFINE, new MomentCandidates(answer, first.textEmbedding, first.modelId, first.fromMs,
          first.toMs));
    } else {
      out.collect(answer);
    }
  }

  /** The partials received, by subtask index (a duplicate from the same subtask counts once). */
  private TreeMap<Integer, PartialHits> bySubtask() throws Exception {
    TreeMap<Integer, PartialHits> bySubtask = new TreeMap<>();
    Iterable<PartialHits> received = partials.get();
    if (received != null) { // some state backends return null rather than an empty list
      for (PartialHits p : received) {
        bySubtask.putIfAbsent(p.subtaskIndex, p);
      }
    }
    return bySubtask;
  }

  private AnswerRecord merge(TreeMap<Integer, PartialHits> bySubtask, AnswerRecord.Status status, String reason,
      long now) {
    PartialHits first = bySubtask.firstEntry().getValue();
    List<ClipHit> all = new ArrayList<>();
    long latencyFrom = first.queryIngestTimeMs;
    for (PartialHits p : bySubtask.values()) {
      if (p.hits != null) {
        all.addAll(Arrays.asList(p.hits));
      }
    }
    all.sort(ClipHit.BEST_FIRST);
    ClipHit[] hits = all.subList(0, Math.min(first.topK, all.size())).toArray(new ClipHit[0]);
    List<ClipHit> candidates =
        all.subList(0, (int) Math.min(all.size(), (long) first.topK * Math.max(1, first.clipsPerMoment)));
    MomentHit[] moments = moments(candidates, first.topK);
    for (ClipHit hit : hits) {
      latencyFrom = Math.max(latencyFrom, hit.ingestTimeMs);
    }
    AnswerRecord answer = new AnswerRecord(first.queryId, AnswerRecord.Kind.MOMENT, status, reason,
        Math.max(0, now - latencyFrom), now);
    answer.hits = hits;
    answer.moments = moments;
    momentAnswers.inc();
    if (status == AnswerRecord.Status.PARTIAL) {
      partialAnswers.inc();
    }
    return answer;
  }

  /** The best {@code topK} moments of {@code candidates}: each device's hits merged by the rules' NMS. */
  private MomentHit[] moments(List<ClipHit> candidates, int topK) {
    Map<String, List<Moment>> byDevice = new TreeMap<>();
    Map<String, Map<Long, ClipHit>> clipsByDevice = new HashMap<>();
    for (ClipHit hit : candidates) {
      // A device's clips start on one grid, so the start names the clip within the device.
      byDevice.computeIfAbsent(hit.deviceId, d -> new ArrayList<>())
          .add(new Moment(hit.startMs, hit.endMs, hit.score, List.of(Long.toString(hit.startMs))));
      clipsByDevice.computeIfAbsent(hit.deviceId, d -> new HashMap<>()).put(hit.startMs, hit);
    }
    List<MomentHit> moments = new ArrayList<>();
    for (Map.Entry<String, List<Moment>> device : byDevice.entrySet()) {
      for (Moment m : rules.suppress(device.getValue())) {
        long[] clipStarts = m.support().stream().mapToLong(Long::parseLong).toArray();
        ClipHit best = clipsByDevice.get(device.getKey()).get(clipStarts[0]);
        moments.add(new MomentHit(device.getKey(), best.sessionId, m.startMs(), m.endMs(), m.score(), clipStarts));
      }
    }
    moments.sort(MomentHit.BEST_FIRST);
    return moments.subList(0, Math.min(topK, moments.size())).toArray(new MomentHit[0]);
  }
}
