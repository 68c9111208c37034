package io.egostream.eval;

/** A choice clip that cannot be decoded; the question it belongs to is skipped for {@link #reason()}. */
public final class ClipUnavailableException extends Exception {
  private final SkipReason reason;

  public ClipUnavailableException(SkipReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public SkipReason reason() {
    return reason;
  }
}
