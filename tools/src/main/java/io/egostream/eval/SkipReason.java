package io.egostream.eval;

/** Why a question was left out of the scores; the {@link #key()} is the name in reports and JSON. */
public enum SkipReason {
  /** No file for a choice's video_uid in the videos folder. */
  MISSING_VIDEO("missing_video"),
  /** The video file exists but FFmpeg cannot open or decode it. */
  CORRUPT_VIDEO("corrupt_video"),
  /** A choice's clip starts after its video ends, or ends well after it. */
  CLIP_OUTSIDE_VIDEO("clip_outside_video"),
  /** The question's JSON record lacks a field or holds a wrong value. */
  MALFORMED_RECORD("malformed_record");

  private final String key;

  SkipReason(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }
}
