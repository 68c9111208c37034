package io.egostream.operators.ingest;

import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.FrameRecord;
import java.util.Arrays;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The current device's buffered frames, in keyed state (checkpointed with the job, never in operator memory): the
 * frames by capture time, plus an index of their capture times in one-second buckets.
 *
 * <p>Why an index beside the map: MapState has no order, and iterating it on RocksDB reads every value, i.e. every
 * JPEG. With the index, finding a window's frames, the oldest frame or the expired ones reads a few hundred longs,
 * and only the frames actually used are fetched. Why buckets: a new frame rewrites only its own second's capture
 * times (a frame rate's worth), plus the list of bucket starts when it opens a new second, so buffering n frames
 * costs O(n), not the O(n²) of one index array rewritten on every insert. Eviction removes whole buckets, so a frame
 * may outlive the retention by up to a second.
 *
 * <p>Not tied to window clips: exact-range clip requests read the same state with {@link #timesIn} and {@link #clip}.
 */
final class FrameBuffer {
  /** Width of an index bucket. */
  static final long BUCKET_MS = 1_000;

  private static final long[] EMPTY = new long[0];

  /** Capture time → frame. */
  private final MapState<Long, FrameRecord> frames;
  /** Bucket start (a multiple of {@link #BUCKET_MS}) → the capture times of its frames and their bytes. */
  private final MapState<Long, FrameBucket> buckets;
  /**
   * Starts of {@link #buckets}, strictly increasing; cleared (not empty) when there are none. Never changed in place:
   * the heap state backend keeps the array itself, and snapshots may still be reading it.
   */
  private final ValueState<long[]> bucketStarts;
  /** {frames, JPEG bytes} buffered; cleared with the last frame. */
  private final ValueState<long[]> totals;

  FrameBuffer(RuntimeContext context) {
    this.frames = context.getMapState(
        new MapStateDescriptor<>("frames", Types.LONG, TypeInformation.of(FrameRecord.class)));
    this.buckets = context.getMapState(
        new MapStateDescriptor<>("frameBuckets", Types.LONG, TypeInformation.of(FrameBucket.class)));
    this.bucketStarts = context.getState(
        new ValueStateDescriptor<>("frameBucketStarts", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    this.totals = context.getState(
        new ValueStateDescriptor<>("frameTotals", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
  }

  /** Whether a frame with this capture time is buffered. */
  boolean contains(long captureTimeMs) throws Exception {
    FrameBucket bucket = buckets.get(bucketOf(captureTimeMs));
    return bucket != null && Arrays.binarySearch(bucket.times, captureTimeMs) >= 0;
  }

  /** Buffers the frame; its capture time must not be buffered yet ({@link #contains}). */
  void add(FrameRecord frame) throws Exception {
    long t = frame.captureTimeMs;
    long start = bucketOf(t);
    FrameBucket bucket = buckets.get(start);
    if (bucket == null) {
      bucket = new FrameBucket(EMPTY, 0);
      long[] starts = starts();
      bucketStarts.update(insert(starts, -Arrays.binarySearch(starts, start) - 1, start));
    }
    long[] times = bucket.times;
    int at = Arrays.binarySearch(times, t);
    if (at >= 0) {
      throw new IllegalStateException("capture time " + t + " is already buffered");
    }
    buckets.put(start, new FrameBucket(insert(times, -at - 1, t), bucket.bytes + frame.jpeg.length));
    frames.put(t, frame);
    long[] total = totals();
    totals.update(new long[] {total[0] + 1, total[1] + frame.jpeg.length});
  }

  /** Frames buffered. */
  long frameCount() throws Exception {
    return totals()[0];
  }

  /** JPEG bytes buffered. */
  long byteCount() throws Exception {
    return totals()[1];
  }

  boolean isEmpty() throws Exception {
    return bucketStarts.value() == null;
  }

  /** Capture times in {@code [startMs, endMs)}, increasing. */
  long[] timesIn(long startMs, long endMs) throws Exception {
    long[] starts = starts();
    long[] found = EMPTY;
    for (int i = lowerBound(starts, bucketOf(startMs)); i < starts.length && starts[i] < endMs; i++) {
      long[] times = buckets.get(starts[i]).times;
      long[] inRange = Arrays.copyOfRange(times, lowerBound(times, startMs), lowerBound(times, endMs));
      found = concat(found, inRange);
    }
    return found;
  }

  /** The oldest buffered capture time, or {@link Long#MAX_VALUE} if there is none. */
  long oldest() throws Exception {
    long[] starts = starts();
    return starts.length == 0 ? Long.MAX_VALUE : buckets.get(starts[0]).times[0];
  }

  /** The first buffered capture time at or after {@code t}, or {@link Long#MAX_VALUE} if there is none. */
  long firstTimeAtOrAfter(long t) throws Exception {
    long[] starts = starts();
    for (int i = lowerBound(starts, bucketOf(t)); i < starts.length; i++) {
      long[] times = buckets.get(starts[i]).times;
      int at = lowerBound(times, t);
      if (at < times.length) {
        return times[at];
      }
    }
    return Long.MAX_VALUE;
  }

  /** The buffered frame captured last before {@code t}, or null if there is none. */
  FrameRecord lastBefore(long t) throws Exception {
    long[] starts = starts();
    for (int i = lowerBound(starts, bucketOf(t) + 1) - 1; i >= 0; i--) {
      long[] times = buckets.get(starts[i]).times;
      int at = lowerBound(times, t) - 1;
      if (at >= 0) {
        return frames.get(times[at]);
      }
    }
    return null;
  }

  /** The buffered frame captured first after {@code t}, or null if there is none. */
  FrameRecord firstAfter(long t) throws Exception {
    long next = firstTimeAtOrAfter(t + 1);
    return next == Long.MAX_VALUE ? null : frames.get(next);
  }

  /**
   * Removes the buckets that end at or before {@code horizonMs}, i.e. frames captured before it, a bucket at a time;
   * once none are left the state is cleared entirely.
   */
  void evictBefore(long horizonMs) throws Exception {
    long[] starts = starts();
    int keep = 0;
    while (keep < starts.length && starts[keep] + BUCKET_MS <= horizonMs) {
      keep++;
    }
    if (keep == 0) {
      return;
    }
    if (keep == starts.length) {
      clear();
      return;
    }
    long evictedFrames = 0;
    long evictedBytes = 0;
    for (int i = 0; i < keep; i++) {
      FrameBucket bucket = buckets.get(starts[i]);
      for (long t : bucket.times) {
        frames.remove(t);
      }
      evictedFrames += bucket.times.length;
      evictedBytes += bucket.bytes;
      buckets.remove(starts[i]);
    }
    bucketStarts.update(Arrays.copyOfRange(starts, keep, starts.length));
    long[] total = totals();
    totals.update(new long[] {total[0] - evictedFrames, total[1] - evictedBytes});
  }

  /** Drops every frame of the device. */
  void clear() {
    frames.clear();
    buckets.clear();
    bucketStarts.clear();
    totals.clear();
  }

  /**
   * The clip of the given buffered frames (as {@link UniformSampler} chose them, in order, repeats allowed). Its
   * session is the session of the newest frame, its ingest time the newest ingest time among the frames.
   */
  ClipRecord clip(String deviceId, long startMs, long endMs, long[] sampledTimes) throws Exception {
    byte[][] jpegs = new byte[sampledTimes.length][];
    String sessionId = null;
    long ingestTimeMs = Long.MIN_VALUE;
    for (int i = 0; i < sampledTimes.length; i++) {
      FrameRecord frame = frames.get(sampledTimes[i]);
      jpegs[i] = frame.jpeg;
      // Sampled times are in order, so the last frame read is the newest: a clip that straddles a restart of the
      // recording is labelled with the session still recording, which is where follow-up answers belong.
      sessionId = frame.sessionId;
      ingestTimeMs = Math.max(ingestTimeMs, frame.ingestTimeMs);
    }
    return new ClipRecord(deviceId, sessionId, startMs, endMs, sampledTimes.clone(), jpegs, ingestTimeMs);
  }

  private long[] starts() throws Exception {
    long[] starts = bucketStarts.value();
    return starts == null ? EMPTY : starts;
  }

  private long[] totals() throws Exception {
    long[] total = totals.value();
    return total == null ? new long[2] : total;
  }

  private static long bucketOf(long t) {
    return Math.floorDiv(t, BUCKET_MS) * BUCKET_MS;
  }

  /** A copy of {@code values} with {@code value} inserted at {@code at}. */
  private static long[] insert(long[] values, int at, long value) {
    long[] grown = new long[values.length + 1];
    System.arraycopy(values, 0, grown, 0, at);
    grown[at] = value;
    System.arraycopy(values, at, grown, at + 1, values.length - at);
    return grown;
  }

  private static long[] concat(long[] a, long[] b) {
    if (a.length == 0) {
      return b;
    }
    long[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** Index of the first time ≥ t (times.length if none). */
  private static int lowerBound(long[] times, long t) {
    int at = Arrays.binarySearch(times, t);
    return at >= 0 ? at : -at - 1;
  }
}
