package io.egostream.operators.query;

import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.records.EmbeddedClip;

/**
 * What the clip store keeps of an {@link EmbeddedClip} to answer queries: its range, session, embedding, model,
 * ingest time and whether its frames cover its range (not its frame times or kept tokens). The device is the state's
 * key. A Flink POJO.
 */
public class StoredClip {
  public String sessionId;
  public long startMs;
  public long endMs;
  /** L2-normalised. */
  public float[] embedding;
  public String modelId;
  public long ingestTimeMs;
  /**
   * Its frames do not cover its range ({@link MomentRules#coversWindow}): moment queries pass it over. False in
   * state written before the field, whose clips are searched as they were.
   */
  public boolean partialWindow;

  public StoredClip() {}

  StoredClip(EmbeddedClip clip) {
    this.sessionId = clip.sessionId;
    this.startMs = clip.startMs;
    this.endMs = clip.endMs;
    this.embedding = clip.embedding;
    this.modelId = clip.modelId;
    this.ingestTimeMs = clip.ingestTimeMs;
    this.partialWindow = !MomentRules.coversWindow(clip.frameTimesMs, clip.startMs, clip.endMs);
  }
}
