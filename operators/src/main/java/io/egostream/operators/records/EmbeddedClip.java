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
  public long ingestTimeMs;

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
}
