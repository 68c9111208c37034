package io.egostream.operators.query;

import static io.egostream.operators.config.OptionChecks.require;

import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What one query may ask of the job, so that no producer can make the job's state or work grow without bound. Every
 * limit is a job option, declared here; a query that breaks one is dead-lettered and
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

  /** 256: a UUID is 36 bytes; room for a client's prefix as well. */
  public static final ConfigOption<Integer> QUERY_ID_MAX_BYTES = ConfigOptions.key("limits.query-id.max-bytes")
      .intType().defaultValue(256)
      .withDescription("Longest query_id in UTF-8 bytes; every answer and pending query carries it.");

  /** 1 KiB: the model reads 32 tokens (~150 characters of English); ample, even at 3 bytes a character. */
  public static final ConfigOption<Integer> TEXT_MAX_BYTES = ConfigOptions.key("limits.text.max-bytes")
      .intType().defaultValue(1024)
      .withDescription("Longest narration or text of a query in UTF-8 bytes (the model reads 32 tokens).");

  /** 64: every clip is checked against every standing query's list; to search many devices, list none (all). */
  public static final ConfigOption<Integer> DEVICES_MAX = ConfigOptions.key("limits.query.max-devices")
      .intType().defaultValue(64)
      .withDescription("Most device_ids a moment or standing query may list (an empty list means all devices).");

  /** 128: ids like "glasses-0042" or a UUID, with room for a prefix. */
  public static final ConfigOption<Integer> DEVICE_ID_MAX_BYTES = ConfigOptions.key("limits.device-id.max-bytes")
      .intType().defaultValue(128)
      .withDescription("Longest device id a query may name, in UTF-8 bytes.");

  /** 10 min: a live question about what is about to happen; a choice further out holds state that long. */
  public static final ConfigOption<Long> RANGE_MAX_FUTURE_MS = ConfigOptions.key("limits.range.max-future.ms")
      .longType().defaultValue(10 * 60_000L)
      .withDescription("How far past the job's clock an MCQ choice may end (its query waits until then).");

  /** 10 min: EgoMCQ's clips last seconds, and the frame buffer holds 2 min; more is not a clip. */
  public static final ConfigOption<Long> RANGE_MAX_LENGTH_MS = ConfigOptions.key("limits.range.max-length.ms")
      .longType().defaultValue(10 * 60_000L)
      .withDescription("Longest MCQ choice range (end_ms - start_ms).");

  /** 10 min, 60 times the default mcq.timeout.ms: a pending MCQ holds state in three operators until answered. */
  public static final ConfigOption<Long> MCQ_MAX_TIMEOUT_MS = ConfigOptions.key("limits.mcq.max-timeout.ms")
      .longType().defaultValue(10 * 60_000L)
      .withDescription("Largest timeout_ms an MCQ may ask for; at least mcq.timeout.ms.");

  /**
   * 1000: every instance of the clip store holds all of them (a few KiB each, in every checkpoint) and scores each
   * new clip against each (1000 dot products of 256 floats, well under a millisecond).
   */
  public static final ConfigOption<Integer> STANDING_MAX = ConfigOptions.key("limits.standing.max-queries")
      .intType().defaultValue(1000)
      .withDescription("Most standing queries registered at once; each is held by every clip store instance and "
          + "scored against every new clip.");

  /** 100: many people may watch for the same thing, but one text resent under new ids must not take every slot. */
  public static final ConfigOption<Integer> STANDING_MAX_PER_TEXT = ConfigOptions.key("limits.standing.max-per-text")
      .intType().defaultValue(100)
      .withDescription("Most standing queries registered at once with the same text (trimmed, white space and case "
          + "ignored).");

  /** 24 h: a watch lasts a working day or a recording; a forgotten one must not cost forever. Resend to extend. */
  public static final ConfigOption<Long> STANDING_MAX_LIFETIME_MS =
      ConfigOptions.key("limits.standing.max-lifetime.ms")
          .longType().defaultValue(24 * 60 * 60_000L)
          .withDescription("Wall-clock time after which a standing query expires (answered TIMED_OUT); resend it to "
              + "keep watching.");

  /**
   * 0: similarities of unrelated text and video spread around 0, so a negative threshold fires on about half of all
   * clips (−1 on every one): a firehose, not a watch.
   */
  public static final ConfigOption<Float> STANDING_MIN_THRESHOLD = ConfigOptions.key("limits.standing.min-threshold")
      .floatType().defaultValue(0f)
      .withDescription("Lowest threshold a standing query may set; a negative one fires on most clips (-1 on all).");

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
    require(standingMinThreshold >= -1 && standingMinThreshold <= 1, STANDING_MIN_THRESHOLD, standingMinThreshold,
        "must be a cosine similarity in [-1, 1] (-1 allows every threshold)");
  }

  /** The limits {@code conf} sets (the defaults where it sets nothing). */
  public static QueryLimits from(ReadableConfig conf) {
    return new QueryLimits(conf.get(QUERY_ID_MAX_BYTES), conf.get(TEXT_MAX_BYTES), conf.get(DEVICES_MAX),
        conf.get(DEVICE_ID_MAX_BYTES), conf.get(RANGE_MAX_FUTURE_MS), conf.get(RANGE_MAX_LENGTH_MS),
        conf.get(MCQ_MAX_TIMEOUT_MS), conf.get(STANDING_MAX), conf.get(STANDING_MAX_PER_TEXT),
        conf.get(STANDING_MAX_LIFETIME_MS), conf.get(STANDING_MIN_THRESHOLD));
  }

  private static void requireAtLeast(int value, int min, ConfigOption<Integer> option, String what) {
    require(value >= min, option, value, "must be at least " + min + " (" + what + ")");
  }

  private static void requireTime(long value, long min, ConfigOption<Long> option) {
    require(value >= min && value <= MAX_TIME_LIMIT_MS, option, value,
        "must be between " + min + " and " + MAX_TIME_LIMIT_MS + " ms (a year)");
  }
}
