package io.egostream.operators.ingest;

import io.egostream.operators.records.FrameRecord;

/**
 * A frame {@link ClipBuilder} did not use, with why (late, a duplicate, a clock jump, a sequence that does not
 * increase, its device's buffer full). Emitted on {@link ClipBuilder#REFUSED}; the job dead-letters it. A Flink POJO.
 */
public class RefusedFrame {
  public FrameRecord frame;
  /** What was wrong, readable by a person, naming the option whose limit was exceeded. */
  public String reason;

  public RefusedFrame() {}

  public RefusedFrame(FrameRecord frame, String reason) {
    this.frame = frame;
    this.reason = reason;
  }

  @Override
  public String toString() {
    return "RefusedFrame{device=" + (frame == null ? null : frame.deviceId) + ", reason=" + reason + "}";
  }
}
