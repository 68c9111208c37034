package io.egostream.operators.ingest;

import static io.egostream.operators.config.OptionChecks.require;

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
  private FrameWatermarks() {}

  /**
   * {@link #strategy(Duration, Duration)} with the defaults of {@link ClipSettings#OUT_OF_ORDERNESS_MS} and
   * {@link ClipSettings#IDLENESS_MS}.
   */
  public static WatermarkStrategy<RawRecord> strategy() {
    return strategy(Duration.ofMillis(ClipSettings.OUT_OF_ORDERNESS_MS.defaultValue()),
        Duration.ofMillis(ClipSettings.IDLENESS_MS.defaultValue()));
  }

  /**
   * Watermark = newest capture time seen in a partition − {@code outOfOrderness} − 1 ms, the minimum over
   * partitions; a partition with no records for {@code idleness} (processing time) is marked idle.
   */
  public static WatermarkStrategy<RawRecord> strategy(Duration outOfOrderness, Duration idleness) {
    require(outOfOrderness != null && !outOfOrderness.isNegative(), ClipSettings.OUT_OF_ORDERNESS_MS,
        outOfOrderness == null ? null : outOfOrderness.toMillis(), "must not be negative");
    require(idleness != null && !idleness.isNegative() && !idleness.isZero(), ClipSettings.IDLENESS_MS,
        idleness == null ? null : idleness.toMillis(), "must be positive");
    return WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(outOfOrderness)
        .withTimestampAssigner((record, kafkaTimestamp) -> record.eventTimeMs)
        .withIdleness(idleness);
  }
}
