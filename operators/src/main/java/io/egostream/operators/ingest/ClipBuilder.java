package io.egostream.operators.ingest;

import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.FrameRecord;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Cuts one device's frames into clips on event time (keyed by device id): for every window
 * {@code [k·stride, k·stride + clip)} that holds at least {@link ClipSettings#minFramesPerClip()} frames, once the
 * watermark has passed its end, one {@link ClipRecord} of {@link ClipSettings#framesPerClip()} frames sampled
 * uniformly by {@link UniformSampler}. A window with too few frames is a gap: counted, nothing emitted. A clip that
 * straddles a restart of the recording carries the session of its newest frame, the one still recording.
 *
 * <p>Frames wait in keyed state ({@link FrameBuffer}), so checkpoints hold them. Every timer sits on the grid of
 * window ends (the window's last millisecond, {@code k·stride + clip − 1}), and every timer does the same three
 * things: emit the window ending there if it has frames, evict frames older than the timer's time minus
 * {@link ClipSettings#frameRetentionMs()}, and keep a timer pending for when the oldest remaining frame expires.
 * While frames flow, that cleanup timer coincides with a window timer (the timer service keeps one timer per device
 * and time); when a device goes silent it is what finally empties the device's state. No timer is ever deleted: a
 * shared timestamp may serve a window too, and a spare timer only evicts what has expired anyway.
 *
 * <p>Frames at or behind the watermark on arrival are late, by the watermark's own definition; they go to
 * {@link #LATE} whole, even when one of their windows has not fired yet, so every clip sees exactly the frames that
 * were on time. A second frame with an already buffered capture time is dropped (the first one stays) and counted.
 *
 * <p>A clip's record timestamp is its window's last millisecond. Metrics: {@code lateFrames},
 * {@code duplicateFrames}, {@code clipsSkippedTooFewFrames}.
 */
public class ClipBuilder extends KeyedProcessFunction<String, FrameRecord, ClipRecord> {

  /** Frames that arrived behind the watermark; the job dead-letters them. */
  public static final OutputTag<FrameRecord> LATE =
      new OutputTag<>("late-frames", TypeInformation.of(FrameRecord.class));

  private final ClipSettings settings;

  private transient FrameBuffer buffer;
  private transient Counter lateFrames;
  private transient Counter duplicateFrames;
  private transient Counter clipsSkippedTooFewFrames;

  public ClipBuilder(ClipSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    buffer = new FrameBuffer(getRuntimeContext());
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    lateFrames = metrics.counter("lateFrames");
    duplicateFrames = metrics.counter("duplicateFrames");
    clipsSkippedTooFewFrames = metrics.counter("clipsSkippedTooFewFrames");
  }

  @Override
  public void processElement(FrameRecord frame, Context ctx, Collector<ClipRecord> out) throws Exception {
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
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClipRecord> out) throws Exception {
    long windowEnd = timestamp + 1;
    emitWindow(ctx.getCurrentKey(), windowEnd - settings.clipMs(), windowEnd, out);
    // Safe against windows not fired yet: they end after this timer, so their frames are newer than
    // timestamp + 1 − clip, and clip ≤ retention.
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
