package io.egostream.operators.records;

/**
 * A parsed, validated query from {@code ego.queries} (one of the {@code Query} protobuf's kinds, flattened into a
 * Flink POJO). Fields a kind does not use stay at their defaults.
 */
public class QueryRecord {
  public static final String MCQ = "mcq";
  public static final String MOMENT = "moment";
  public static final String STANDING = "standing";
  public static final String CANCEL = "cancel";

  public String queryId;
  /** {@link #MCQ}, {@link #MOMENT}, {@link #STANDING} or {@link #CANCEL}. */
  public String kind;
  /** The narration (MCQ) or the text (moment, standing); null for a cancel. */
  public String text;
  public long sentTimeMs;
  /** Wall-clock time (ms) at which the job read the query. */
  public long ingestTimeMs;

  /** MCQ: the five choices, as parallel arrays (device, [start, end) in event time). */
  public String[] choiceDevices;
  public long[] choiceStartsMs;
  public long[] choiceEndsMs;
  /** MCQ: event-time wait for choices still in the future; 0 = the job's default. */
  public long timeoutMs;

  /** Moment and standing: devices to search or watch; empty = all. */
  public String[] deviceIds;
  /** Moment: event-time range [fromMs, toMs); 0 = unbounded on that side. */
  public long fromMs;
  public long toMs;
  /** Moment: hits wanted. */
  public int topK;
  /** Standing: cosine similarity a clip must reach. */
  public float threshold;

  public QueryRecord() {}

  /** The kind an answer to this query carries. */
  public AnswerRecord.Kind answerKind() {
    if (kind == null) {
      return AnswerRecord.Kind.UNSPECIFIED;
    }
    return switch (kind) {
      case MCQ -> AnswerRecord.Kind.MCQ;
      case MOMENT -> AnswerRecord.Kind.MOMENT;
      case STANDING -> AnswerRecord.Kind.STANDING;
      case CANCEL -> AnswerRecord.Kind.CANCEL;
      default -> AnswerRecord.Kind.UNSPECIFIED;
    };
  }
}
