package io.egostream.operators.query;

import java.io.Serializable;

/**
 * What one query may ask of the job, so that no producer can make the job's state or work grow without bound. Every
 * limit is a job option (its key is the constant named after it); a query that breaks one is dead-lettered and
 * answered ERROR with a reason naming the key. {@link DecodeQueries} checks the limits of a single query, before its
 * text is embedded; {@link ClipStore} the ones that count standing queries, in its broadcast state.
 *
 * @param queryIdMaxBytes longest {@code query_id}, in UTF-8 bytes
 * @param textMaxBytes longest narration or text, in UTF-8 bytes
 * @param devicesMax most {@code device_ids} a moment or standing query may list
 * @param deviceIdMaxBytes longest device id a query may name (a choice's or a listed one), in UTF-8 bytes
 * @param rangeMaxFutureMs how far past the job's clock (wall-clock ms when the query is read) an MCQ choice may end
 * @param rangeMaxLengthMs longest MCQ choice range ({@code end_ms - start_ms})
 * @param mcqMaxTimeoutMs largest {@code timeout_ms} an MCQ may ask for
 * @param standingMax most standing queries registered at once, in the whole job
 * @param standingMaxPerText most standing queries registered at once with the same text (compared normalised: trimmed,
 *     runs of white space as one space, lower case, as the uncased tokenizer sees it)
 * @param standingMaxLifetimeMs wall-clock ms after which a standing query expires (counted from the job's ingest of it)
 * @param standingMinThreshold lowest threshold a standing query may set
 */
public record QueryLimits(
    int queryIdMaxBytes,
    int textMaxBytes,
    int devicesMax,
    int deviceIdMaxBytes,
    long rangeMaxFutureMs,
    long rangeMaxLengthMs,
    long mcqMaxTimeoutMs,
    int standingMax,
    int standingMaxPerText,
    long standingMaxLifetimeMs,
    float standingMinThreshold) implements Serializable {

  public static final String QUERY_ID_MAX_BYTES = "limits.query-id.max-bytes";
  public static final String TEXT_MAX_BYTES = "limits.text.max-bytes";
  public static final String DEVICES_MAX = "limits.query.max-devices";
  public static final String DEVICE_ID_MAX_BYTES = "limits.device-id.max-bytes";
  public static final String RANGE_MAX_FUTURE_MS = "limits.range.max-future.ms";
  public static final String RANGE_MAX_LENGTH_MS = "limits.range.max-length.ms";
  public static final String MCQ_MAX_TIMEOUT_MS = "limits.mcq.max-timeout.ms";
  public static final String STANDING_MAX = "limits.standing.max-queries";
  public static final String STANDING_MAX_PER_TEXT = "limits.standing.max-per-text";
  public static final String STANDING_MAX_LIFETIME_MS = "limits.standing.max-lifetime.ms";
  public static final String STANDING_MIN_THRESHOLD = "limits.standing.min-threshold";

  /** A UUID is 36 bytes; room for a client's prefix as well. */
  public static final int DEFAULT_QUERY_ID_MAX_BYTES = 256;
  /** The model reads 32 tokens (~150 characters of English); 1 KiB is ample, even at 3 bytes a character. */
  public static final int DEFAULT_TEXT_MAX_BYTES = 1024;
  /** Every clip is checked against every standing query's list; to search many devices, list none (all). */
  public static final int DEFAULT_DEVICES_MAX = 64;
  /** Ids like "glasses-0042" or a UUID, with room for a prefix. */
  public static final int DEFAULT_DEVICE_ID_MAX_BYTES = 128;
  /** 10 min: a live question about what is about to happen; a choice further out holds state that long. */
  public static final long DEFAULT_RANGE_MAX_FUTURE_MS = 10 * 60_000L;
  /** 10 min: EgoMCQ's clips last seconds, and the frame buffer holds 2 min; more is not a clip. */
  public static final long DEFAULT_RANGE_MAX_LENGTH_MS = 10 * 60_000L;
  /** 10 min, 60 times the default mcq.timeout.ms: a pending MCQ holds state in three operators until answered. */
  public static final long DEFAULT_MCQ_MAX_TIMEOUT_MS = 10 * 60_000L;
  /**
   * 1000: every instance of the clip store holds all of them (a few KiB each, in every checkpoint) and scores each
   * new clip against each (1000 dot products of 256 floats, well under a millisecond).
   */
  public static final int DEFAULT_STANDING_MAX = 1000;
  /** 100: many people may watch for the same thing, but one text resent under new ids must not take every slot. */
  public static final int DEFAULT_STANDING_MAX_PER_TEXT = 100;
  /** 24 h: a watch lasts a working day or a recording; a forgotten one must not cost forever. Resend to extend. */
  public static final long DEFAULT_STANDING_MAX_LIFETIME_MS = 24 * 60 * 60_000L;
  /**
   * 0: similarities of unrelated text and video spread around 0, so a negative threshold fires on about half of all
   * clips (−1 on every one): a firehose, not a watch.
   */
  public static final float DEFAULT_STANDING_MIN_THRESHOLD = 0f;

  /** Upper bound of the time limits: a year, far beyond any sensible setting and far from overflowing a long. */
  private static final long MAX_TIME_LIMIT_MS = 365L * 24 * 60 * 60_000L;

  public QueryLimits {
    requireAtLeast(queryIdMaxBytes, 1, QUERY_ID_MAX_BYTES, "UTF-8 bytes of a query id");
    requireAtLeast(textMaxBytes, 1, TEXT_MAX_BYTES, "UTF-8 bytes of a query's text");
    requireAtLeast(devicesMax, 1, DEVICES_MAX, "device ids a query may list");
    requireAtLeast(deviceIdMaxBytes, 1, DEVICE_ID_MAX_BYTES, "UTF-8 bytes of a device id");
    requireTime(rangeMaxFutureMs, 0, RANGE_MAX_FUTURE_MS);
    requireTime(rangeMaxLengthMs, 1, RANGE_MAX_LENGTH_MS);
    requireTime(mcqMaxTimeoutMs, 1, MCQ_MAX_TIMEOUT_MS);
    requireAtLeast(standingMax, 1, STANDING_MAX, "standing queries in the job");
    requireAtLeast(standingMaxPerText, 1, STANDING_MAX_PER_TEXT, "standing queries with one text");
    requireTime(standingMaxLifetimeMs, 1, STANDING_MAX_LIFETIME_MS);
    if (!(standingMinThreshold >= -1 && standingMinThreshold <= 1)) {
      throw new IllegalArgumentException("Invalid value " + standingMinThreshold + " for " + STANDING_MIN_THRESHOLD
          + ": must be a cosine similarity in [-1, 1] (-1 allows every threshold)");
    }
  }

  /** Every limit at its default. */
  public static QueryLimits defaults() {
    return new QueryLimits(DEFAULT_QUERY_ID_MAX_BYTES, DEFAULT_TEXT_MAX_BYTES, DEFAULT_DEVICES_MAX,
        DEFAULT_DEVICE_ID_MAX_BYTES, DEFAULT_RANGE_MAX_FUTURE_MS, DEFAULT_RANGE_MAX_LENGTH_MS,
        DEFAULT_MCQ_MAX_TIMEOUT_MS, DEFAULT_STANDING_MAX, DEFAULT_STANDING_MAX_PER_TEXT,
        DEFAULT_STANDING_MAX_LIFETIME_MS, DEFAULT_STANDING_MIN_THRESHOLD);
  }

  private static void requireAtLeast(int value, int min, String key, String what) {
    if (value < min) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + key + ": must be at least " + min
          + " (" + what + ")");
    }
  }

  private static void requireTime(long value, long min, String key) {
    if (value < min || value > MAX_TIME_LIMIT_MS) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + key + ": must be between " + min
          + " and " + MAX_TIME_LIMIT_MS + " ms (a year)");
    }
  }
}
