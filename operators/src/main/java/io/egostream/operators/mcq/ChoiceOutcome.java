package io.egostream.operators.mcq;

import io.egostream.operators.records.AnswerRecord.ChoiceSource;
import io.egostream.operators.records.EmbeddedClip;

/**
 * What became of one choice of an MCQ query: the clip embedding it is scored with and where that came from
 * ({@link ChoiceSource#EXACT_RANGE}, {@link ChoiceSource#STORED_CLIP}), or nothing ({@link ChoiceSource#MISSING}).
 * {@link McqGather} collects one per choice. A Flink POJO.
 */
public class ChoiceOutcome {
  public String queryId;
  /** Index of the choice in the query's order. */
  public int choice;
  public ChoiceSource source;
  /** The clip embedding (L2-normalised); null when {@link ChoiceSource#MISSING}. */
  public float[] embedding;
  public String modelId;
  /** The range of the clip actually used: the choice's own, or the stored clip's. */
  public String deviceId;
  public long startMs;
  public long endMs;
  /** Wall-clock time the job read the newest frame of the clip used (where latency starts); 0 when missing. */
  public long ingestTimeMs;
  /** Why the choice's exact range was not used; null for {@link ChoiceSource#EXACT_RANGE}. */
  public String reason;

  public ChoiceOutcome() {}

  private ChoiceOutcome(String queryId, int choice, ChoiceSource source, String reason) {
    this.queryId = queryId;
    this.choice = choice;
    this.source = source;
    this.reason = reason;
  }

  /** The embedding of a clip built for exactly the choice's range (a clip tagged with the request). */
  public static ChoiceOutcome exactRange(EmbeddedClip clip) {
    if (!clip.isRequestClip()) {
      throw new IllegalArgumentException("clip " + clip.deviceId + " [" + clip.startMs + ", " + clip.endMs
          + ") is a window clip, not one built for an MCQ choice (filter on EmbeddedClip.isRequestClip())");
    }
    ChoiceOutcome outcome = new ChoiceOutcome(clip.requestQueryId, clip.requestChoice, ChoiceSource.EXACT_RANGE,
        null);
    outcome.take(clip);
    return outcome;
  }

  /** The stored clip that stands in for a choice whose exact range could not be built. */
  public static ChoiceOutcome storedClip(ChoiceRequest request, EmbeddedClip stored, String why) {
    ChoiceOutcome outcome = new ChoiceOutcome(request.queryId, request.choice, ChoiceSource.STORED_CLIP, why);
    outcome.take(stored);
    return outcome;
  }

  /** A choice that cannot be scored. */
  public static ChoiceOutcome missing(String queryId, int choice, String why) {
    return new ChoiceOutcome(queryId, choice, ChoiceSource.MISSING, why);
  }

  /** True when the choice has an embedding to be scored with. */
  public boolean isScorable() {
    return source != ChoiceSource.MISSING && embedding != null;
  }

  private void take(EmbeddedClip clip) {
    this.embedding = clip.embedding;
    this.modelId = clip.modelId;
    this.deviceId = clip.deviceId;
    this.startMs = clip.startMs;
    this.endMs = clip.endMs;
    this.ingestTimeMs = clip.ingestTimeMs;
  }

  @Override
  public String toString() {
    return queryId + "#" + choice + " " + source + (reason == null ? "" : " (" + reason + ")");
  }
}
