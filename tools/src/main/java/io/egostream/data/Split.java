package io.egostream.data;

import java.util.Locale;

/** Dataset splits; recordings, never clips, are assigned to them, so no video is seen in two splits. */
public enum Split {
  TRAIN,
  VAL,
  TEST;

  /** {@code train}, {@code val}, {@code test}: the file name part. */
  public String fileKey() {
    return name().toLowerCase(Locale.ROOT);
  }
}
