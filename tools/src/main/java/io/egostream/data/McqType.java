package io.egostream.data;

/**
 * EgoMCQ's {@code types}. EgoVLP's and LaViLa's metric code print these two names swapped; this is the meaning of the
 * data: 1 = inter-video (the easy, ~90 % one), 2 = intra-video.
 */
public enum McqType {
  /** The five choices come from five different videos. */
  INTER_VIDEO(1, "inter_video"),
  /** All five choices come from the query's own video: telling them apart takes fine action and time understanding. */
  INTRA_VIDEO(2, "intra_video");

  private final int code;
  private final String key;

  McqType(int code, String key) {
    this.code = code;
    this.key = key;
  }

  /** The value in egomcq.json's {@code types}. */
  public int code() {
    return code;
  }

  /** The name in reports and JSON output. */
  public String key() {
    return key;
  }

  public static McqType ofCode(int code) {
    for (McqType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("types " + code + " is neither 1 (inter-video) nor 2 (intra-video)");
  }
}
