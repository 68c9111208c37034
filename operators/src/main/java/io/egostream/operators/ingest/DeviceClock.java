package io.egostream.operators.ingest;

/**
 * One device's own event time and recent history, as {@link ClipBuilder} keeps it in keyed state. A Flink POJO; a
 * new instance is written on every change, never one changed in place after it was stored (the heap state backend
 * keeps the object itself, and snapshots may still be reading it).
 */
public class DeviceClock {
  /** Capture time of the device's newest accepted frame. */
  public long newestMs;
  /**
   * The device's event time: every window ending at or before {@code eventTimeMs + 1} has been built, and a frame
   * captured at or before it is late. Only ever moves forward; restored with the state, so a restore never builds a
   * window twice.
   */
  public long eventTimeMs;
  /** Session and sequence number of the newest accepted frame. */
  public String sessionId;
  public long sequence;
  /** Wall-clock time of the last accepted frame. */
  public long lastFrameAtMs;
  /** Wall-clock time of the device's pending processing-time timer (idleness, then silence). */
  public long timerAtMs;
  /** True once the last windows were built for idleness, until the next accepted frame. */
  public boolean idle;

  public DeviceClock() {}

  DeviceClock copy() {
    DeviceClock c = new DeviceClock();
    c.newestMs = newestMs;
    c.eventTimeMs = eventTimeMs;
    c.sessionId = sessionId;
    c.sequence = sequence;
    c.lastFrameAtMs = lastFrameAtMs;
    c.timerAtMs = timerAtMs;
    c.idle = idle;
    return c;
  }
}
