package io.egostream.operators.records;

/** A clip after the model: its range and its embedding. A Flink POJO. */
public class EmbeddedClip {
  public String deviceId;
  public String sessionId;
  public long startMs;
  public long endMs;
  public long[] frameTimesMs;
  /** L2-normalised embedding. */
  public float[] embedding;
  /** Per pruning stage, the original indices of the surviving patch tokens. */
  public int[][] keptTokens;
  public String modelId;
  /** The keep rate q_v the model ran at for this clip (load-adaptive sparsity may lower it from the model's own). */
  public float keepRate;
  public long ingestTimeMs;
  /** Copied from {@link ClipRecord#emitTimeMs}: when the clip builder emitted the clip (wall clock, ms). */
  public long emitTimeMs;
  /** Wall-clock time (ms) at which the inference operator began the clip's batch (decoding its frames first). */
  public long inferenceStartMs;
  /** Wall-clock time (ms) at which the model call on the clip's batch returned. */
  public long inferenceEndMs;
  /** Copied from {@link ClipRecord#requestQueryId}: the MCQ query this clip was built for; null for window clips. */
  public String requestQueryId;
  /** Copied from {@link ClipRecord#requestChoice}: the choice's index; -1 for window clips. */
  public int requestChoice = -1;
  /** Copied from {@link ClipRecord#requestForMoment}: built for a moment query's refinement range. */
  public boolean requestForMoment;

  public EmbeddedClip() {}

  public EmbeddedClip(String deviceId, String sessionId, long startMs, long endMs, long[] frameTimesMs,
      float[] embedding, int[][] keptTokens, String modelId, long ingestTimeMs) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.startMs = startMs;
    this.endMs = endMs;
    this.frameTimesMs = frameTimesMs;
    this.embedding = embedding;
    this.keptTokens = keptTokens;
    this.modelId = modelId;
    this.ingestTimeMs = ingestTimeMs;
  }

  /** True for a clip built for an MCQ choice (it answers that query only), false for one of the stream's windows. */
  public boolean isRequestClip() {
    return requestQueryId != null;
  }

  /**
   * Stamps the clip's way through the job: {@code clip}'s emit time and the batch's inference start and end (wall
   * clock, ms); returns this.
   */
  public EmbeddedClip withTimes(ClipRecord clip, long inferenceStartMs, long inferenceEndMs) {
    this.emitTimeMs = clip.emitTimeMs;
    this.inferenceStartMs = inferenceStartMs;
    this.inferenceEndMs = inferenceEndMs;
    return this;
  }

  /** Takes over the request tag of the clip this embedding was computed from; returns this. */
  public EmbeddedClip withRequestOf(ClipRecord clip) {
    this.requestQueryId = clip.requestQueryId;
    this.requestChoice = clip.requestChoice;
    this.requestForMoment = clip.requestForMoment;
    return this;
  }
}
