package io.egostream.operators.ingest;

import io.egostream.operators.mcq.ChoiceRequest;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.FrameRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Cuts one device's frames into clips on event time (keyed by device id), and builds clips of exact ranges for MCQ
 * choices from the same frames.
 *
 * <p><b>Window clips</b> (input 1, frames): for every window {@code [k·stride, k·stride + clip)} that holds at least
 * {@link ClipSettings#minFramesPerClip()} frames, once the watermark has passed its end, one {@link ClipRecord} of
 * {@link ClipSettings#framesPerClip()} frames sampled uniformly by {@link UniformSampler}. A window with too few frames
 * is a gap: counted, nothing emitted. A clip that straddles a restart of the recording carries the session of its
 * newest frame, the one still recording.
 *
 * <p>Frames wait in keyed state ({@link FrameBuffer}), so checkpoints hold them. Window timers sit on the grid of
 * window ends (the window's last millisecond, {@code k·stride + clip − 1}), and every event-time timer does the same
 * things: emit the window ending there (if it is on the grid and has frames), serve the choice requests waiting for
 * it, evict frames older than the timer's time minus {@link ClipSettings#frameRetentionMs()}, and keep a timer
 * pending (on the grid) for when the oldest remaining frame expires. While frames flow, that cleanup timer coincides
 * with a window timer (the timer service keeps one timer per device and time); when a device goes silent it is what
 * finally empties the device's frames. Grid timers are never deleted: a shared timestamp may serve a window too, and a
 * spare timer only evicts what has expired anyway.
 *
 * <p>Frames at or behind the watermark on arrival are late, by the watermark's own definition; they go to
 * {@link #LATE} whole, even when one of their windows has not fired yet, so every clip sees exactly the frames that
 * were on time. A second frame with an already buffered capture time is dropped (the first one stays) and counted.
 *
 * <p><b>Choice requests</b> (input 2, {@link ChoiceRequest}, keyed by the choice's device): a request for
 * {@code [a, b)} is served once its frames are final, i.e. once the watermark has reached {@code b − 1} (later frames
 * of the range would be late): at once if it already has, otherwise it waits in keyed state ({@code choiceRequests})
 * with an event-time timer at {@code b − 1} and, if it expires, a processing-time timer at
 * {@link ChoiceRequest#expiresAtMs}. Served means one {@link ClipRecord} of exactly {@code [a, b)}, sampled as the
 * windows are and tagged with the request ({@link ClipRecord#requestQueryId}, {@link ClipRecord#requestChoice}), on
 * the main output, so it shares the batched model with the window clips. A request that cannot be served goes to
 * {@link #UNSERVED} with the reason, for the stored-clip fallback:
 *
 * <ul>
 *   <li>its frames have aged out: {@code a} is older than the retention horizon (the serving time minus
 *       {@link ClipSettings#frameRetentionMs()}), so some of its frames may have been evicted. The check is against
 *       the horizon, not against what happens to be buffered, so the answer does not depend on when timers fired;
 *   <li>it has fewer than {@link ClipSettings#minFramesPerClip()} frames (the device was silent, or not yet on);
 *   <li>it was still waiting at its expiry (event time stalled; its query is being answered without it);
 *   <li>its range is empty or names no device.
 * </ul>
 *
 * <p>A request's event-time timer is off the window grid unless its range ends on it; an off-grid timer serves only
 * requests, so it is deleted with the last request waiting for it, as is a processing-time timer with the last
 * request expiring then.
 *
 * <p>A clip's record timestamp is its window's last millisecond (a request clip's: the request's, or {@code b − 1}
 * when it waited). Metrics: {@code lateFrames}, {@code duplicateFrames}, {@code clipsSkippedTooFewFrames},
 * {@code choiceClipsBuilt}, {@code choiceRequestsUnserved}.
 */
public class ClipBuilder extends KeyedCoProcessFunction<String, FrameRecord, ChoiceRequest, ClipRecord> {

  /** Frames that arrived behind the watermark; the job dead-letters them. */
  public static final OutputTag<FrameRecord> LATE =
      new OutputTag<>("late-frames", TypeInformation.of(FrameRecord.class));

  /** Choice requests no clip could be built for, each with its {@link ChoiceRequest#reason}: for the fallback. */
  public static final OutputTag<ChoiceRequest> UNSERVED =
      new OutputTag<>("unserved-choice-requests", TypeInformation.of(ChoiceRequest.class));

  private final ClipSettings settings;

  private transient FrameBuffer buffer;
  /** Requests waiting for their frames, by the event time at which they become servable (their range's end − 1). */
  private transient MapState<Long, ChoiceRequest[]> waitingRequests;
  private transient Counter lateFrames;
  private transient Counter duplicateFrames;
  private transient Counter clipsSkippedTooFewFrames;
  private transient Counter choiceClipsBuilt;
  private transient Counter choiceRequestsUnserved;

  public ClipBuilder(ClipSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    buffer = new FrameBuffer(getRuntimeContext());
    waitingRequests = getRuntimeContext().getMapState(new MapStateDescriptor<>("choiceRequests", Types.LONG,
        Types.OBJECT_ARRAY(TypeInformation.of(ChoiceRequest.class))));
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    lateFrames = metrics.counter("lateFrames");
    duplicateFrames = metrics.counter("duplicateFrames");
    clipsSkippedTooFewFrames = metrics.counter("clipsSkippedTooFewFrames");
    choiceClipsBuilt = metrics.counter("choiceClipsBuilt");
    choiceRequestsUnserved = metrics.counter("choiceRequestsUnserved");
  }

  @Override
  public void processElement1(FrameRecord frame, Context ctx, Collector<ClipRecord> out) throws Exception {
    long captureTime = frame.captureTimeMs;
    if (captureTime <= ctx.timerService().currentWatermark()) {
      lateFrames.inc();
      ctx.output(LATE, frame);
      return;
    }
    if (!buffer.add(frame)) {
      duplicateFrames.inc();
      return;
    }
    // One timer per window holding the frame; frames of the same window share it (one timer per device and time).
    for (long end = firstWindowEndAfter(captureTime); end - settings.clipMs() <= captureTime;
        end += settings.strideMs()) {
      ctx.timerService().registerEventTimeTimer(end - 1);
    }
    // The cleanup timer follows the oldest frame; only a new oldest frame (the first, or an out-of-order one) moves it.
    if (captureTime == buffer.oldest()) {
      ctx.timerService().registerEventTimeTimer(cleanupTimeFor(captureTime));
    }
  }

  @Override
  public void processElement2(ChoiceRequest request, Context ctx, Collector<ClipRecord> out) throws Exception {
    if (!ChoiceRequest.isValidRange(request.deviceId, request.startMs, request.endMs)) {
      unserved(ctx, request, "invalid range [" + request.startMs + ", " + request.endMs + ") of device "
          + request.deviceId + ": must be non-empty");
      return;
    }
    long watermark = ctx.timerService().currentWatermark();
    long servableAt = request.endMs - 1; // the range's last millisecond: later frames of it would be late
    if (watermark >= servableAt) {
      serve(request, watermark, ctx, out);
      return;
    }
    ChoiceRequest[] waiting = waitingRequests.get(servableAt);
    waitingRequests.put(servableAt, append(waiting, request));
    ctx.timerService().registerEventTimeTimer(servableAt);
    if (request.expiresAtMs > 0) {
      ctx.timerService().registerProcessingTimeTimer(request.expiresAtMs);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClipRecord> out) throws Exception {
    if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
      expireRequests(timestamp, ctx);
      return;
    }
    long windowEnd = timestamp + 1;
    if (isWindowEnd(windowEnd)) {
      emitWindow(ctx.getCurrentKey(), windowEnd - settings.clipMs(), windowEnd, out);
    }
    serveWaitingRequests(timestamp, ctx, out);
    // Safe against windows not fired yet: they end after this timer, so their frames are newer than
    // timestamp + 1 − clip, and clip ≤ retention. Requests still waiting end after this timer too; those longer than
    // the retention are refused as aged out when served, whatever is evicted here.
    buffer.evictBefore(timestamp - settings.frameRetentionMs());
    if (!buffer.isEmpty()) {
      ctx.timerService().registerEventTimeTimer(cleanupTimeFor(buffer.oldest()));
    }
  }

  private void emitWindow(String deviceId, long startMs, long endMs, Collector<ClipRecord> out) throws Exception {
    long[] times = buffer.timesIn(startMs, endMs);
    if (times.length == 0) {
      return; // no window pending here: this timer was only the cleanup timer
    }
    if (times.length < settings.minFramesPerClip()) {
      clipsSkippedTooFewFrames.inc();
      return;
    }
    long[] sampled = UniformSampler.sample(times, startMs, endMs, settings.framesPerClip());
    out.collect(buffer.clip(deviceId, startMs, endMs, sampled));
  }

  /** Serves the requests whose frames became final at {@code timestamp}; frees their expiry timers. */
  private void serveWaitingRequests(long timestamp, Context ctx, Collector<ClipRecord> out) throws Exception {
    ChoiceRequest[] ready = waitingRequests.get(timestamp);
    if (ready == null) {
      return;
    }
    waitingRequests.remove(timestamp);
    Set<Long> expiries = new HashSet<>();
    for (ChoiceRequest request : ready) {
      serve(request, timestamp, ctx, out);
      if (request.expiresAtMs > 0) {
        expiries.add(request.expiresAtMs);
      }
    }
    for (long expiry : expiries) {
      if (!anyWaitingExpiresAt(expiry)) {
        ctx.timerService().deleteProcessingTimeTimer(expiry);
      }
    }
  }

  /**
   * A processing-time timer fired: every request expired by now is given up (to {@link #UNSERVED}); event-time timers
   * left with no request and off the window grid are deleted.
   */
  private void expireRequests(long now, Context ctx) throws Exception {
    List<Long> emptied = new ArrayList<>();
    List<Map.Entry<Long, ChoiceRequest[]>> shrunk = new ArrayList<>();
    for (Map.Entry<Long, ChoiceRequest[]> entry : waitingRequests.entries()) {
      List<ChoiceRequest> kept = new ArrayList<>();
      for (ChoiceRequest request : entry.getValue()) {
        if (request.expiresAtMs > 0 && request.expiresAtMs <= now) {
          unserved(ctx, request, "gave up at wall-clock " + request.expiresAtMs + ": the watermark ("
              + ctx.timerService().currentWatermark() + ") had not reached the range's end, so its frames were not "
              + "final");
        } else {
          kept.add(request);
        }
      }
      if (kept.isEmpty()) {
        emptied.add(entry.getKey());
      } else if (kept.size() < entry.getValue().length) {
        shrunk.add(Map.entry(entry.getKey(), kept.toArray(new ChoiceRequest[0])));
      }
    }
    // State is changed after the iteration, never during it.
    for (Map.Entry<Long, ChoiceRequest[]> entry : shrunk) {
      waitingRequests.put(entry.getKey(), entry.getValue());
    }
    for (long servableAt : emptied) {
      waitingRequests.remove(servableAt);
      if (!isWindowEnd(servableAt + 1)) {
        ctx.timerService().deleteEventTimeTimer(servableAt); // only requests used it
      }
    }
  }

  /**
   * Builds the clip of the request's range from the buffered frames, as of event time {@code asOf} (the watermark
   * or the firing timer's time), or sends the request to {@link #UNSERVED} with the reason it cannot.
   */
  private void serve(ChoiceRequest request, long asOf, Context ctx, Collector<ClipRecord> out) throws Exception {
    long horizon = retentionHorizon(asOf);
    if (request.startMs < horizon) {
      unserved(ctx, request, "frames aged out: the range starts at " + request.startMs + ", frames are kept "
          + settings.frameRetentionMs() + " ms, i.e. from " + horizon + " on");
      return;
    }
    long[] times = buffer.timesIn(request.startMs, request.endMs);
    if (times.length < settings.minFramesPerClip()) {
      unserved(ctx, request, "too few frames in range: " + times.length + ", a clip needs "
          + settings.minFramesPerClip());
      return;
    }
    long[] sampled = UniformSampler.sample(times, request.startMs, request.endMs, settings.framesPerClip());
    ClipRecord clip = buffer.clip(request.deviceId, request.startMs, request.endMs, sampled);
    clip.requestQueryId = request.queryId;
    clip.requestChoice = request.choice;
    choiceClipsBuilt.inc();
    out.collect(clip);
  }

  private void unserved(Context ctx, ChoiceRequest request, String why) {
    choiceRequestsUnserved.inc();
    ctx.output(UNSERVED, request.unserved(why));
  }

  private boolean anyWaitingExpiresAt(long expiry) throws Exception {
    for (ChoiceRequest[] requests : waitingRequests.values()) {
      for (ChoiceRequest request : requests) {
        if (request.expiresAtMs == expiry) {
          return true;
        }
      }
    }
    return false;
  }

  /** Frames captured before this may have been evicted by a timer at or before {@code asOf}. */
  private long retentionHorizon(long asOf) {
    // Before the first watermark (Long.MIN_VALUE) nothing has been evicted; avoid the wrap-around.
    return asOf < Long.MIN_VALUE + settings.frameRetentionMs() ? Long.MIN_VALUE : asOf - settings.frameRetentionMs();
  }

  private static ChoiceRequest[] append(ChoiceRequest[] requests, ChoiceRequest request) {
    if (requests == null) {
      return new ChoiceRequest[] {request};
    }
    // A new array, never the stored one changed in place: the heap backend's snapshots may still be reading it.
    ChoiceRequest[] grown = Arrays.copyOf(requests, requests.length + 1);
    grown[requests.length] = request;
    return grown;
  }

  /** True when {@code end} is the end of a window on the grid k·stride + clip. */
  private boolean isWindowEnd(long end) {
    return Math.floorMod(end - settings.clipMs(), settings.strideMs()) == 0;
  }

  /** The end of the first window (on the grid k·stride + clip) strictly after {@code t}. */
  private long firstWindowEndAfter(long t) {
    return (Math.floorDiv(t - settings.clipMs(), settings.strideMs()) + 1) * settings.strideMs() + settings.clipMs();
  }

  /** The first timer on the window-end grid at which a frame captured at {@code t} has expired. */
  private long cleanupTimeFor(long t) {
    // A timer at time T evicts frames captured before T − retention, so it must be ≥ t + retention + 1.
    return firstWindowEndAfter(t + settings.frameRetentionMs() + 1) - 1;
  }
}
