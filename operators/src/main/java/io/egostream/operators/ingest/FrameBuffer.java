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
 * frames by capture time, plus a sorted index of their capture times.
 *
 * <p>Why an index beside the map: MapState has no order, and iterating it on RocksDB reads every value, i.e. every
 * JPEG. With the index, finding a window's frames, the oldest frame or the expired ones reads a few hundred longs,
 * and only the frames actually used are fetched. The price: each new frame rewrites the index (a few KB at most).
 *
 * <p>Not tied to window clips: a later function answering "the clip of device D over [a, b)" reads the same state
 * (same names) with {@link #timesIn} and {@link #clip}.
 */
final class FrameBuffer {
  private static final long[] EMPTY = new long[0];

  /** Capture time → frame. */
  private final MapState<Long, FrameRecord> frames;
  /**
   * Capture times of {@link #frames}, strictly increasing; cleared (not empty) when there are none. Never changed in
   * place: the heap state backend keeps the array itself, and snapshots may still be reading it.
   */
  private final ValueState<long[]> captureTimes;

  FrameBuffer(RuntimeContext context) {
    this.frames = context.getMapState(
        new MapStateDescriptor<>("frames", Types.LONG, TypeInformation.of(FrameRecord.class)));
    this.captureTimes = context.getState(
        new ValueStateDescriptor<>("frameCaptureTimes", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
  }

  /** Buffers the frame; false (and nothing changes) if a frame with its capture time is already buffered. */
  boolean add(FrameRecord frame) throws Exception {
    long[] times = times();
    int at = Arrays.binarySearch(times, frame.captureTimeMs);
    if (at >= 0) {
      return false;
    }
    int insertAt = -at - 1; // usually the end: frames mostly arrive in order
    long[] grown = new long[times.length + 1];
    System.arraycopy(times, 0, grown, 0, insertAt);
    grown[insertAt] = frame.captureTimeMs;
    System.arraycopy(times, insertAt, grown, insertAt + 1, times.length - insertAt);
    captureTimes.update(grown);
    frames.put(frame.captureTimeMs, frame);
    return true;
  }

  /** Capture times in {@code [startMs, endMs)}, increasing. */
  long[] timesIn(long startMs, long endMs) throws Exception {
    long[] times = times();
    return Arrays.copyOfRange(times, lowerBound(times, startMs), lowerBound(times, endMs));
  }

  boolean isEmpty() throws Exception {
    return captureTimes.value() == null;
  }

  /** Capture time of the oldest buffered frame; the buffer must not be empty. */
  long oldest() throws Exception {
    return times()[0];
  }

  /** Removes every frame captured before {@code horizonMs}; once none are left the state is cleared entirely. */
  void evictBefore(long horizonMs) throws Exception {
    long[] times = times();
    int keep = lowerBound(times, horizonMs);
    if (keep == 0) {
      return;
    }
    for (int i = 0; i < keep; i++) {
      frames.remove(times[i]);
    }
    if (keep == times.length) {
      clear();
    } else {
      captureTimes.update(Arrays.copyOfRange(times, keep, times.length));
    }
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

  private void clear() {
    frames.clear();
    captureTimes.clear();
  }

  private long[] times() throws Exception {
    long[] times = captureTimes.value();
    return times == null ? EMPTY : times;
  }

  /** Index of the first time ≥ t (times.length if none). */
  private static int lowerBound(long[] times, long t) {
    int at = Arrays.binarySearch(times, t);
    return at >= 0 ? at : -at - 1;
  }
}
