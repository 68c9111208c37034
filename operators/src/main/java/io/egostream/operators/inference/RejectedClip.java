package io.egostream.operators.inference;

import io.egostream.operators.records.ClipRecord;

/**
 * A clip the model could not take, with why (a frame that does not decode, the wrong number of frames, or a model
 * failure on this clip alone). Emitted on {@link EmbedClips#REJECTED} instead of failing the clip's batch. A Flink
 * POJO.
 */
public class RejectedClip {
  public ClipRecord clip;
  /** What was wrong, readable by a person. */
  public String reason;
  /** Processing time (ms) at which the clip was rejected. */
  public long timeMs;

  public RejectedClip() {}

  public RejectedClip(ClipRecord clip, String reason, long timeMs) {
    this.clip = clip;
    this.reason = reason;
    this.timeMs = timeMs;
  }

  @Override
  public String toString() {
    return "RejectedClip{device=" + (clip == null ? null : clip.deviceId) + ", reason=" + reason + "}";
  }
}
