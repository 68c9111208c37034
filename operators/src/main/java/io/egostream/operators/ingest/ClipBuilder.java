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
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Cuts one device's frames into clips on that device's own event time (keyed by device id), and builds clips of exact
 * ranges for MCQ choices from the same frames.
 *
 * <p><b>Time: every device has its own clock.</b> Wearables buffer offline and upload in bursts, start late, or run
 * clocks minutes apart, so a clock shared by the devices of a Kafka partition (the watermark) would throw one device's
 * frames away because another device's are newer, or hold every device back behind the slowest. Here a device's
 * <i>event time</i> ({@link DeviceClock#eventTimeMs}, in keyed state) is its newest accepted capture time minus
 * {@link ClipSettings#outOfOrdernessMs()} minus 1 ms, and only ever moves forward. Nothing else moves it, except:
 *
 * <ul>
 *   <li><b>idleness</b>: a device that sends no frame for {@link ClipSettings#idleTimeoutMs()} of wall-clock time
 *       (a processing-time timer) has its event time moved to the end of the last window holding its newest frame, so
 *       its last clips are built. After {@link ClipSettings#frameRetentionMs()} of wall-clock silence, everything
 *       kept for the device (frames, clock, waiting requests) is dropped: state goes back to zero, and a device that
 *       comes back later starts afresh. Silence is counted from the device's last frame or the first frame this
 *       instance received, whichever is later, so the frames replayed after a restore are never late for having
 *       been down, nor for reaching this operator slowly (a restarted job's model still loading holds the replay up
 *       by backpressure). An instance that gets no frame at all counts from its start once the retention has passed
 *       since it;
 *   <li><b>end of input</b>: the final watermark ({@code Long.MAX_VALUE}: a bounded input ran out, or a drain) does
 *       what idleness does, through one event-time timer per device at {@code Long.MAX_VALUE}. No other watermark is
 *       used here: one device's clock never holds back or pushes forward another device's windows.
 * </ul>
 *
 * <p><b>Window clips</b> (input 1, frames): for every window {@code [k·stride, k·stride + clip)} that holds at least
 * {@link ClipSettings#minFramesPerClip()} frames, once the device's event time reaches the window's last millisecond,
 * one {@link ClipRecord} of {@link ClipSettings#framesPerClip()} frames sampled uniformly by {@link UniformSampler}. A
 * window with too few frames is a gap: counted, nothing emitted. A clip that straddles a restart of the recording
 * carries the session of its newest frame, the one still recording. Frames wait in keyed state ({@link FrameBuffer}),
 * so checkpoints hold them, and are evicted once more than the retention behind the device's event time.
 *
 * <p><b>Refused frames</b> go to {@link #REFUSED} with the reason (the job dead-letters them), and never move the
 * device's clock. Each is judged against the device's own history:
 *
 * <ul>
 *   <li><i>late</i>: captured at or behind the device's event time, whose windows were already built (this covers
 *       frames older than the retention too). The event time is in state, so after a restore a replayed frame is
 *       still late and no window is ever built twice;
 *   <li><i>clock jump</i>: more than {@link ClipSettings#maxClockJumpMs()} ahead of both the device's newest frame and
 *       the job's clock. A device catching up to the present (a backlog, then live frames) is no jump; a clock that
 *       leaps hours ahead is. {@code DecodeFrames} has already checked every capture time against the job's clock;
 *   <li><i>sequence</i>: within a session, sequence numbers must increase with capture time, across batches: a frame
 *       newer than the device's newest must have a higher sequence, an older one a sequence between those of the
 *       buffered frames captured just before and just after it. A new session resets;
 *   <li><i>duplicate</i>: a second frame with an already buffered capture time (the first one stays);
 *   <li><i>over a limit</i>: the device already buffers {@link ClipSettings#maxBufferedFrames()} frames or would
 *       exceed {@link ClipSettings#maxBufferedBytes()} of JPEG.
 * </ul>
 *
 * <p><b>Choice requests</b> (input 2, {@link ChoiceRequest}, keyed by the choice's device): a request for
 * {@code [a, b)} is served once its frames are final, i.e. once the device's event time has reached {@code b − 1}
 * (later frames of the range would be late): at once if it already has, otherwise it waits in keyed state
 * ({@code choiceRequests}) until the device's clock gets there and, if it expires first, a processing-time timer at
 * {@link ChoiceRequest#expiresAtMs} gives it up. Served means one {@link ClipRecord} of exactly {@code [a, b)}, sampled
 * as the windows are and tagged with the request ({@link ClipRecord#requestQueryId}, {@link ClipRecord#requestChoice}),
 * on the main output, so it shares the batched model with the window clips. A request that cannot be served goes to
 * {@link #UNSERVED} with the reason, for the stored-clip fallback:
 *
 * <ul>
 *   <li>its frames have aged out: {@code a} is older than the retention horizon (the device's event time when served
 *       minus {@link ClipSettings#frameRetentionMs()}), so some of its frames may have been evicted. The check is
 *       against the horizon, not against what happens to be buffered, so the answer does not depend on timing;
 *   <li>it has fewer than {@link ClipSettings#minFramesPerClip()} frames (the device was silent, or not yet on);
 *   <li>it was still waiting at its expiry, or when its device was dropped for silence;
 *   <li>its range is empty or names no device.
 * </ul>
 *
 * <p><b>Downstream</b>, clips leave in each device's own time, so a late device's clips are behind the job's
 * watermark; the operators after this one use the watermark only to age their stores (see {@code docs/event-time.md}).
 * They go by a clip's range, never by its record timestamp, which is that of whatever completed the clip (a frame, a
 * request, the idle timer: none, the final watermark: {@code Long.MAX_VALUE}).
 *
 * <p>Metrics: {@code lateFrames}, {@code duplicateFrames}, {@code clockJumpFrames}, {@code outOfSequenceFrames},
 * {@code overLimitFrames}, {@code idleDevices}, {@code silentDevicesDropped}, {@code clipsSkippedTooFewFrames},
 * {@code choiceClipsBuilt}, {@code choiceRequestsUnserved}.
 */
public class ClipBuilder extends KeyedCoProcessFunction<String, FrameRecord, ChoiceRequest, ClipRecord> {

  /** Frames not used, each with why; the job dead-letters them. */
  public static final OutputTag<RefusedFrame> REFUSED =
      new OutputTag<>("refused-frames", TypeInformation.of(RefusedFrame.class));

  /** Choice requests no clip could be built for, each with its {@link ChoiceRequest#reason}: for the fallback. */
  public static final OutputTag<ChoiceRequest> UNSERVED =
      new OutputTag<>("unserved-choice-requests", TypeInformation.of(ChoiceRequest.class));

  /** The time of every device's end-of-input timer: only the final watermark reaches it. */
  private static final long END_OF_INPUT = Long.MAX_VALUE;

  private final ClipSettings settings;

  private transient FrameBuffer buffer;
  /** The device's event time and recent history; null for a device with no frame (or dropped for silence). */
  private transient ValueState<DeviceClock> clock;
  /** Requests waiting for their frames, by the event time at which they become servable (their range's end − 1). */
  private transient MapState<Long, ChoiceRequest[]> waitingRequests;
  /** Wall-clock time of this instance's first call. */
  private transient long startedAtMs;
  /**
   * Wall-clock time of the first frame this instance received, so silence is never counted across a restart: after a
   * restore the replayed frames must arrive before their devices count as idle, however long the job was down and
   * however long the replay takes to get here.
   */
  private transient long firstFrameAtMs;
  private transient Counter lateFrames;
  private transient Counter duplicateFrames;
  private transient Counter clockJumpFrames;
  private transient Counter outOfSequenceFrames;
  private transient Counter overLimitFrames;
  private transient Counter idleDevices;
  private transient Counter silentDevicesDropped;
  private transient Counter clipsSkippedTooFewFrames;
  private transient Counter choiceClipsBuilt;
  private transient Counter choiceRequestsUnserved;

  public ClipBuilder(ClipSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    startedAtMs = Long.MIN_VALUE;
    firstFrameAtMs = Long.MIN_VALUE;
    buffer = new FrameBuffer(getRuntimeContext());
    clock = getRuntimeContext().getState(
        new ValueStateDescriptor<>("deviceClock", TypeInformation.of(DeviceClock.class)));
    waitingRequests = getRuntimeContext().getMapState(new MapStateDescriptor<>("choiceRequests", Types.LONG,
        Types.OBJECT_ARRAY(TypeInformation.of(ChoiceRequest.class))));
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    lateFrames = metrics.counter("lateFrames");
    duplicateFrames = metrics.counter("duplicateFrames");
    clockJumpFrames = metrics.counter("clockJumpFrames");
    outOfSequenceFrames = metrics.counter("outOfSequenceFrames");
    overLimitFrames = metrics.counter("overLimitFrames");
    idleDevices = metrics.counter("idleDevices");
    silentDevicesDropped = metrics.counter("silentDevicesDropped");
    clipsSkippedTooFewFrames = metrics.counter("clipsSkippedTooFewFrames");
    choiceClipsBuilt = metrics.counter("choiceClipsBuilt");
    choiceRequestsUnserved = metrics.counter("choiceRequestsUnserved");
  }

  @Override
  public void processElement1(FrameRecord frame, Context ctx, Collector<ClipRecord> out) throws Exception {
    long now = now(ctx);
    if (firstFrameAtMs == Long.MIN_VALUE) {
      firstFrameAtMs = now;
    }
    DeviceClock stored = clock.value();
    String refusal = refusal(frame, stored, now);
    if (refusal != null) {
      ctx.output(REFUSED, new RefusedFrame(frame, refusal));
      return;
    }
    buffer.add(frame);
    DeviceClock c;
    if (stored == null) {
      c = new DeviceClock();
      c.eventTimeMs = Long.MIN_VALUE;
      ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
    } else {
      c = stored.copy();
    }
    if (stored == null || frame.captureTimeMs > c.newestMs) {
      c.newestMs = frame.captureTimeMs;
      c.sessionId = frame.sessionId;
      c.sequence = frame.sequence;
    }
    c.lastFrameAtMs = now;
    c.idle = false;
    if (c.timerAtMs == 0) {
      schedule(c, now + settings.idleTimeoutMs(), ctx);
    }
    advance(c, c.newestMs - settings.outOfOrdernessMs() - 1, ctx, out);
    clock.update(c);
  }

  private static String outOfSequence(FrameRecord frame, String neighbour) {
    return "sequence out of order: frame of device " + frame.deviceId + " session " + frame.sessionId + " captured at "
        + frame.captureTimeMs + " has sequence " + frame.sequence + ", but " + neighbour + "; within a session "
        + "sequence numbers must increase with capture time";
  }

  /** Why the frame cannot be used, judged by its device's history; null if it can. */
  private String refusal(FrameRecord frame, DeviceClock c, long now) throws Exception {
    long t = frame.captureTimeMs;
    String device = frame.deviceId;
    if (c != null) {
      if (t <= c.eventTimeMs) {
        lateFrames.inc();
        return "late frame: capture time " + t + " of device " + device + " is at or behind the device's event time "
            + c.eventTimeMs + ", up to which its clips were already built (its newest frame is " + c.newestMs
            + "); frames may arrive up to " + ClipSettings.OUT_OF_ORDERNESS_MS.key() + " ("
            + settings.outOfOrdernessMs() + " ms) behind their device's newest, and a device silent for "
            + ClipSettings.IDLENESS_MS.key() + " (" + settings.idleTimeoutMs() + " ms) has its last clips built";
      }
      long ahead = t - Math.max(c.newestMs, now);
      if (ahead > settings.maxClockJumpMs()) {
        clockJumpFrames.inc();
        return "clock jump: capture time " + t + " of device " + device + " is " + ahead + " ms ahead of both its "
            + "newest frame (" + c.newestMs + ") and the job's clock (" + now + "), more than "
            + ClipSettings.MAX_CLOCK_JUMP_MS.key() + " (" + settings.maxClockJumpMs() + " ms); the device's event time "
            + "was not moved";
      }
      if (frame.sessionId.equals(c.sessionId) && t > c.newestMs && frame.sequence <= c.sequence) {
        outOfSequenceFrames.inc();
        return outOfSequence(frame, "the device's newest frame (captured earlier, at " + c.newestMs + ") has "
            + c.sequence);
      }
      if (t < c.newestMs) {
        // An older frame goes between two buffered ones: it must fit both their sequence numbers, or a copy of a
        // frame's sequence could slip into that frame's clips.
        FrameRecord before = buffer.lastBefore(t);
        if (before != null && before.sessionId.equals(frame.sessionId) && before.sequence >= frame.sequence) {
          outOfSequenceFrames.inc();
          return outOfSequence(frame, "the frame captured before it, at " + before.captureTimeMs + ", has "
              + before.sequence);
        }
        FrameRecord after = buffer.firstAfter(t);
        if (after != null && after.sessionId.equals(frame.sessionId) && after.sequence <= frame.sequence) {
          outOfSequenceFrames.inc();
          return outOfSequence(frame, "the frame captured after it, at " + after.captureTimeMs + ", has "
              + after.sequence);
        }
      }
    }
    if (buffer.contains(t)) {
      duplicateFrames.inc();
      return "duplicate frame: device " + device + " already has a frame captured at " + t
          + "; the first one is kept";
    }
    if (buffer.frameCount() >= settings.maxBufferedFrames()) {
      overLimitFrames.inc();
      return "too many frames buffered: device " + device + " already buffers " + buffer.frameCount()
          + " frames, the most " + ClipSettings.MAX_BUFFERED_FRAMES.key() + " (" + settings.maxBufferedFrames()
          + ") allows; frames leave the buffer once its event time is past them by frames.retention.ms";
    }
    if (buffer.byteCount() + frame.jpeg.length > settings.maxBufferedBytes()) {
      overLimitFrames.inc();
      return "too many bytes buffered: device " + device + " buffers " + buffer.byteCount() + " bytes of JPEG, "
          + "and this frame's " + frame.jpeg.length + " would exceed " + ClipSettings.MAX_BUFFERED_BYTES.key() + " ("
          + settings.maxBufferedBytes() + "); frames leave the buffer once its event time is past them by "
          + "frames.retention.ms";
    }
    return null;
  }

  @Override
  public void processElement2(ChoiceRequest request, Context ctx, Collector<ClipRecord> out) throws Exception {
    if (!ChoiceRequest.isValidRange(request.deviceId, request.startMs, request.endMs)) {
      unserved(ctx, request, "invalid range [" + request.startMs + ", " + request.endMs + ") of device "
          + request.deviceId + ": must be non-empty");
      return;
    }
    DeviceClock c = clock.value();
    long eventTime = c == null ? Long.MIN_VALUE : c.eventTimeMs;
    long servableAt = request.endMs - 1; // the range's last millisecond: later frames of it would be late
    if (eventTime >= servableAt) {
      serve(request, eventTime, ctx, out);
      return;
    }
    ChoiceRequest[] waiting = waitingRequests.get(servableAt);
    waitingRequests.put(servableAt, append(waiting, request));
    if (request.expiresAtMs > 0) {
      ctx.timerService().registerProcessingTimeTimer(request.expiresAtMs);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClipRecord> out) throws Exception {
    long now = now(ctx);
    DeviceClock stored = clock.value();
    if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
      if (stored != null) { // the final watermark: the input has ended, build the device's last windows
        DeviceClock c = stored.copy();
        advance(c, lastWindowEndHolding(c.newestMs) - 1, ctx, out);
        clock.update(c);
      }
      return;
    }
    expireRequests(timestamp, ctx);
    if (stored != null && stored.timerAtMs == timestamp) {
      onDeviceTimer(now, stored.copy(), ctx, out);
    }
  }

  /** The device's wall-clock timer: first idleness (build the last windows), then silence (drop everything). */
  private void onDeviceTimer(long now, DeviceClock c, Context ctx, Collector<ClipRecord> out) throws Exception {
    c.timerAtMs = 0;
    long silentSince = Math.max(c.lastFrameAtMs, silenceCountsFrom(now));
    long silentMs = now - silentSince;
    if (!c.idle && silentMs < settings.idleTimeoutMs()) {
      schedule(c, silentSince + settings.idleTimeoutMs(), ctx);
    } else if (!c.idle) {
      idleDevices.inc();
      advance(c, lastWindowEndHolding(c.newestMs) - 1, ctx, out);
      c.idle = true;
    }
    if (c.idle && silentMs >= settings.frameRetentionMs()) {
      dropDevice(ctx, silentMs);
      return;
    }
    if (c.idle) {
      schedule(c, silentSince + settings.frameRetentionMs(), ctx);
    }
    clock.update(c);
  }

  /** Moves the device's event time forward to {@code to}: builds the windows it completes, serves, evicts. */
  private void advance(DeviceClock c, long to, Context ctx, Collector<ClipRecord> out) throws Exception {
    long from = c.eventTimeMs;
    if (to <= from) {
      return;
    }
    c.eventTimeMs = to;
    buildWindows(ctx.getCurrentKey(), from, to, ctx, out);
    serveWaitingRequests(to, c, ctx, out);
    buffer.evictBefore(retentionHorizon(to));
  }

  /** Emits every window whose last millisecond is in {@code (from, to]}, skipping the stretches with no frames. */
  private void buildWindows(String deviceId, long from, long to, Context ctx, Collector<ClipRecord> out)
      throws Exception {
    long end;
    if (from == Long.MIN_VALUE) { // the device's first windows: none ends before its oldest frame
      long oldest = buffer.oldest();
      if (oldest > to) {
        return;
      }
      end = firstWindowEndAfter(oldest);
    } else {
      end = firstWindowEndAfter(from + 1);
    }
    while (end - 1 <= to) {
      long start = end - settings.clipMs();
      long next = buffer.firstTimeAtOrAfter(start);
      if (next > to) {
        return; // no frame left for a window ending by to + 1 (Long.MAX_VALUE: none at all)
      }
      if (next >= end) {
        end = firstWindowEndAfter(next); // jump over windows with no frames
        continue;
      }
      emitWindow(deviceId, start, end, ctx, out);
      end += settings.strideMs();
    }
  }

  private void emitWindow(String deviceId, long startMs, long endMs, Context ctx, Collector<ClipRecord> out)
      throws Exception {
    long[] times = buffer.timesIn(startMs, endMs);
    if (times.length < settings.minFramesPerClip()) {
      clipsSkippedTooFewFrames.inc();
      return;
    }
    long[] sampled = UniformSampler.sample(times, startMs, endMs, settings.framesPerClip());
    emit(buffer.clip(deviceId, startMs, endMs, sampled), ctx, out);
  }

  /** Emits {@code clip} stamped with the wall-clock time it leaves: where its queue in front of the model starts. */
  private void emit(ClipRecord clip, Context ctx, Collector<ClipRecord> out) {
    clip.emitTimeMs = ctx.timerService().currentProcessingTime();
    out.collect(clip);
  }

  /** Serves the requests whose frames are final at event time {@code eventTime}; frees their expiry timers. */
  private void serveWaitingRequests(long eventTime, DeviceClock c, Context ctx, Collector<ClipRecord> out)
      throws Exception {
    if (waitingRequests.isEmpty()) {
      return;
    }
    List<Long> ready = new ArrayList<>();
    for (Long servableAt : waitingRequests.keys()) {
      if (servableAt <= eventTime) {
        ready.add(servableAt);
      }
    }
    Set<Long> expiries = new HashSet<>();
    for (long servableAt : ready) {
      for (ChoiceRequest request : waitingRequests.get(servableAt)) {
        // As of servableAt: nothing was evicted past its horizon yet, whatever the event time jumped to.
        serve(request, servableAt, ctx, out);
        if (request.expiresAtMs > 0) {
          expiries.add(request.expiresAtMs);
        }
      }
      waitingRequests.remove(servableAt);
    }
    for (long expiry : expiries) {
      if (expiry != c.timerAtMs && !anyWaitingExpiresAt(expiry)) {
        ctx.timerService().deleteProcessingTimeTimer(expiry);
      }
    }
  }

  /** A processing-time timer fired: every request expired by now is given up (to {@link #UNSERVED}). */
  private void expireRequests(long now, Context ctx) throws Exception {
    if (waitingRequests.isEmpty()) {
      return;
    }
    DeviceClock c = clock.value();
    List<Long> emptied = new ArrayList<>();
    List<Map.Entry<Long, ChoiceRequest[]>> shrunk = new ArrayList<>();
    for (Map.Entry<Long, ChoiceRequest[]> entry : waitingRequests.entries()) {
      List<ChoiceRequest> kept = new ArrayList<>();
      for (ChoiceRequest request : entry.getValue()) {
        if (request.expiresAtMs > 0 && request.expiresAtMs <= now) {
          unserved(ctx, request, "gave up at wall-clock " + request.expiresAtMs + ": the event time of device "
              + request.deviceId + " (" + (c == null ? "none: no frames" : c.eventTimeMs) + ") had not reached "
              + "the range's end, so its frames were not final");
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
    }
  }

  /** The device has been silent past the retention: its frames, clock and waiting requests all go. */
  private void dropDevice(Context ctx, long silentMs) throws Exception {
    silentDevicesDropped.inc();
    Set<Long> expiries = new HashSet<>();
    for (ChoiceRequest[] requests : waitingRequests.values()) {
      for (ChoiceRequest request : requests) {
        unserved(ctx, request, "device " + request.deviceId + " was silent for " + silentMs + " ms, more than "
            + "frames.retention.ms (" + settings.frameRetentionMs() + "), so its frames were dropped");
        if (request.expiresAtMs > 0) {
          expiries.add(request.expiresAtMs);
        }
      }
    }
    for (long expiry : expiries) {
      ctx.timerService().deleteProcessingTimeTimer(expiry);
    }
    waitingRequests.clear();
    buffer.clear();
    clock.clear();
    ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
  }

  /**
   * Builds the clip of the request's range from the buffered frames, as of the device's event time {@code asOf}, or
   * sends the request to {@link #UNSERVED} with the reason it cannot.
   */
  private void serve(ChoiceRequest request, long asOf, Context ctx, Collector<ClipRecord> out) throws Exception {
    long horizon = retentionHorizon(asOf);
    if (request.startMs < horizon) {
      unserved(ctx, request, "frames aged out: the range starts at " + request.startMs + ", frames are kept "
          + settings.frameRetentionMs() + " ms behind the device's event time, i.e. from " + horizon + " on");
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
    clip.requestForMoment = request.forMoment;
    choiceClipsBuilt.inc();
    emit(clip, ctx, out);
  }

  private void unserved(Context ctx, ChoiceRequest request, String why) {
    choiceRequestsUnserved.inc();
    ctx.output(UNSERVED, request.unserved(why));
  }

  /**
   * Since when this instance counts silence: its first frame; until one arrives, now (nothing is silent yet), or its
   * start once the retention has passed since it (a restored job whose devices never send again).
   */
  private long silenceCountsFrom(long now) {
    if (firstFrameAtMs != Long.MIN_VALUE) {
      return firstFrameAtMs;
    }
    return now - startedAtMs < settings.frameRetentionMs() ? now : startedAtMs;
  }

  /** The wall clock; the first call of this instance also sets {@link #startedAtMs}. */
  private long now(Context ctx) {
    long now = ctx.timerService().currentProcessingTime();
    if (startedAtMs == Long.MIN_VALUE) {
      startedAtMs = now;
    }
    return now;
  }

  private void schedule(DeviceClock c, long at, Context ctx) {
    c.timerAtMs = at;
    ctx.timerService().registerProcessingTimeTimer(at);
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

  /** Frames captured before this may have been evicted by the time the device's event time is {@code asOf}. */
  private long retentionHorizon(long asOf) {
    // Before the device's first frame (Long.MIN_VALUE) nothing has been evicted; avoid the wrap-around.
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

  /** The end of the first window (on the grid k·stride + clip) strictly after {@code t}. */
  private long firstWindowEndAfter(long t) {
    return (Math.floorDiv(t - settings.clipMs(), settings.strideMs()) + 1) * settings.strideMs() + settings.clipMs();
  }

  /** The end of the last window (on the grid) that holds time {@code t}: the one starting last at or before it. */
  private long lastWindowEndHolding(long t) {
    return Math.floorDiv(t, settings.strideMs()) * settings.strideMs() + settings.clipMs();
  }
}
