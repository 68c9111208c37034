package io.egostream.operators.ingest;

import io.egostream.operators.records.RawRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The job-wide event time of the frame stream, assigned at the Kafka source so that watermarks are tracked per
 * partition: a record's event time is its batch's newest plausible capture time ({@link RawRecord#eventTimeMs}).
 *
 * <p>It does not decide which frames are late or when clips are built: {@link ClipBuilder} judges every device by its
 * own clock. The watermark only ages the stores after it (clip embeddings kept for moment queries and the MCQ fallback)
 * and, at {@code Long.MAX_VALUE}, tells the clip builder that a bounded input has ended.
 */
public final class FrameWatermarks {
  /** How far the watermark trails the newest capture time of a partition. */
  public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(2);
  /**
   * How long an input may stay silent before it stops holding the watermark back, so that empty partitions do not
   * stall the ageing of the stores.
   */
  public static final Duration DEFAULT_IDLENESS = Duration.ofSeconds(5);

  private FrameWatermarks() {}

  /** {@link #strategy(Duration, Duration)} with 2 s out-of-orderness and 5 s idleness. */
  public static WatermarkStrategy<RawRecord> strategy() {
    return strategy(DEFAULT_OUT_OF_ORDERNESS, DEFAULT_IDLENESS);
  }

  /**
   * Watermark = newest capture time seen in a partition − {@code outOfOrderness} − 1 ms, the minimum over
   * partitions; a partition with no records for {@code idleness} (processing time) is marked idle.
   */
  public static WatermarkStrategy<RawRecord> strategy(Duration outOfOrderness, Duration idleness) {
    if (outOfOrderness == null || outOfOrderness.isNegative()) {
      throw new IllegalArgumentException("Invalid value " + (outOfOrderness == null ? null : outOfOrderness.toMillis())
          + " for watermark.out-of-orderness.ms: must not be negative");
    }
    if (idleness == null || idleness.isNegative() || idleness.isZero()) {
      throw new IllegalArgumentException("Invalid value " + (idleness == null ? null : idleness.toMillis())
          + " for watermark.idleness.ms: must be positive");
    }
    return WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(outOfOrderness)
        .withTimestampAssigner((record, kafkaTimestamp) -> record.eventTimeMs)
        .withIdleness(idleness);
  }
}
