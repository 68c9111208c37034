package io.egostream.operators.mcq;

/**
 * "Build the clip of this range of this device, for choice {@link #choice} of MCQ query {@link #queryId}": one per
 * choice, made by {@link FanOutChoices}, keyed by {@link #deviceId} into the clip builder, which answers with a clip
 * tagged with the request, or returns the request (with a {@link #reason}) when it cannot, so the stored-clip lookup
 * ({@link StoredClipLookup}) can fall back. The same request, {@link #forMoment} set, asks for refinement range
 * {@link #choice} of moment query {@link #queryId} ({@code RefineMoments}): its clip and its refusal go back to
 * that query's refinement instead, with no stored-clip fallback. A Flink POJO.
 */
public class ChoiceRequest {
  public String queryId;
  /** Index of the choice in the query's order. */
  public int choice;
  public String deviceId;
  /** The choice's event-time range [startMs, endMs). */
  public long startMs;
  public long endMs;
  /** The model that embedded the query's narration: a stored clip is only comparable if the same model made it. */
  public String modelId;
  /**
   * Wall-clock time (ms) after which nobody waits for this choice any more (the query is answered without it); a
   * request still waiting for its frames then is given up. 0 = never.
   */
  public long expiresAtMs;
  /** Null on the way to the clip builder; why it could not build the clip, on the way back. */
  public String reason;
  /** True for a moment query's refinement range ({@link #choice} = the range's index), false for an MCQ choice. */
  public boolean forMoment;

  public ChoiceRequest() {}

  public ChoiceRequest(String queryId, int choice, String deviceId, long startMs, long endMs, String modelId,
      long expiresAtMs) {
    this.queryId = queryId;
    this.choice = choice;
    this.deviceId = deviceId;
    this.startMs = startMs;
    this.endMs = endMs;
    this.modelId = modelId;
    this.expiresAtMs = expiresAtMs;
  }

  /** A range a clip can be built for: a device and a non-empty [start, end). */
  public static boolean isValidRange(String deviceId, long startMs, long endMs) {
    return deviceId != null && !deviceId.isEmpty() && endMs > startMs;
  }

  /** A copy of this request carrying why it could not be served (the original is left as it was). */
  public ChoiceRequest unserved(String why) {
    ChoiceRequest copy = new ChoiceRequest(queryId, choice, deviceId, startMs, endMs, modelId, expiresAtMs);
    copy.reason = why;
    copy.forMoment = forMoment;
    return copy;
  }

  @Override
  public String toString() {
    return queryId + (forMoment ? "#range" : "#") + choice + " " + deviceId + " [" + startMs + ", " + endMs + ")"
        + (reason == null ? "" : " (" + reason + ")");
  }
}
