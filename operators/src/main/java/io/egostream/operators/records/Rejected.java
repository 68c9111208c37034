package io.egostream.operators.records;

/** Why a decoder rejects an input record: its dead letter's reason. Control flow only, so without a stack trace. */
public class Rejected extends Exception {
  private static final long serialVersionUID = 1L;

  public Rejected(String reason) {
    super(reason, null, false, false);
  }
}
