package io.egostream.operators.records;

/**
 * An answer to a query, for topic ego.answers: the wire's {@code Answer} as a Flink POJO (enums and arrays, no
 * collections, so Flink serialises it without Kryo). Fields a kind does not use stay at their defaults.
 */
public class AnswerRecord {
  /** Mirrors {@code Answer.Kind}. */
  public enum Kind { UNSPECIFIED, MCQ, MOMENT, STANDING, CANCEL }

  /** Mirrors {@code Answer.Status}. */
  public enum Status { UNSPECIFIED, OK, PARTIAL, TIMED_OUT, ERROR }

  /** Mirrors {@code ChoiceSource}. */
  public enum ChoiceSource { UNSPECIFIED, EXACT_RANGE, STORED_CLIP, MISSING }

  public String queryId;
  public Kind kind = Kind.UNSPECIFIED;
  public Status status = Status.UNSPECIFIED;
  /** Why, for PARTIAL, TIMED_OUT and ERROR; null otherwise. */
  public String reason;

  /** MCQ: index of the chosen choice, -1 when none could be scored. */
  public int mcqChoice = -1;
  /** MCQ: one score per choice, in the query's order (NaN when not scored); null for other kinds. */
  public float[] mcqScores;
  /** MCQ: how each choice's clip was obtained; null for other kinds. */
  public ChoiceSource[] mcqSources;

  /** MOMENT and STANDING: hits, best first; null or empty otherwise. */
  public ClipHit[] hits;
  /** MOMENT: the top-k moments, best first; STANDING: the moment that fired; null or empty otherwise. */
  public MomentHit[] moments;

  /** Wall-clock ms from max(query ingest, newest ingest of a clip the answer depends on) to the answer. */
  public long latencyMs;
  /** Wall-clock time of the answer (ms). */
  public long answerTimeMs;

  public AnswerRecord() {}

  /** An answer without MCQ result or hits; add those after. */
  public AnswerRecord(String queryId, Kind kind, Status status, String reason, long latencyMs, long answerTimeMs) {
    this.queryId = queryId;
    this.kind = kind;
    this.status = status;
    this.reason = reason;
    this.latencyMs = latencyMs;
    this.answerTimeMs = answerTimeMs;
  }

  @Override
  public String toString() {
    return "AnswerRecord{" + queryId + " " + kind + " " + status + (reason == null ? "" : " (" + reason + ")")
        + (hits == null ? "" : " hits=" + java.util.Arrays.toString(hits))
        + (moments == null ? "" : " moments=" + java.util.Arrays.toString(moments)) + "}";
  }
}
