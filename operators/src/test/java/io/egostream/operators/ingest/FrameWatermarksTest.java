package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.records.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

class FrameWatermarksTest {
  private static final long T0 = 1_700_000_000_000L;

  private final ManualClock clock = new ManualClock();
  private final RecordingOutput output = new RecordingOutput();

  @Test
  void eventTimeIsTheBatchsNewestCaptureTime() {
    WatermarkStrategy<RawRecord> strategy = FrameWatermarks.strategy();
    long timestamp = strategy.createTimestampAssigner(UnregisteredMetricsGroup::new)
        .extractTimestamp(frame(T0 + 123), Long.MIN_VALUE);
    assertEquals(T0 + 123, timestamp);
  }

  @Test
  void theWatermarkTrailsTheNewestFrameByTheBound() {
    WatermarkGenerator<RawRecord> generator = generator(FrameWatermarks.strategy());
    generator.onEvent(frame(T0 + 5_000), T0 + 5_000, output);
    generator.onEvent(frame(T0 + 4_000), T0 + 4_000, output); // out of order: does not move it back
    generator.onPeriodicEmit(output);
    assertEquals(List.of(T0 + 5_000 - 2_000 - 1), output.watermarks);
  }

  @Test
  void aSilentInputGoesIdleAfterTheIdleness() {
    WatermarkGenerator<RawRecord> generator =
        generator(FrameWatermarks.strategy(Duration.ofSeconds(2), Duration.ofSeconds(5)));
    generator.onEvent(frame(T0), T0, output);
    // Flink emits periodically (every 200 ms by default); idleness is judged at those emissions.
    long silentMs = 0;
    while (output.idle == 0 && silentMs < 60_000) {
      clock.advanceTime(Duration.ofMillis(200));
      silentMs += 200;
      generator.onPeriodicEmit(output);
    }
    assertTrue(silentMs > 5_000 && silentMs <= 5_000 + 3 * 200, "idle after " + silentMs + " ms of silence");
  }

  @Test
  void invalidDurationsAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> FrameWatermarks.strategy(Duration.ofMillis(-1), Duration.ofSeconds(5)));
    assertThrows(IllegalArgumentException.class, () -> FrameWatermarks.strategy(Duration.ofSeconds(2), Duration.ZERO));
    assertTrue(FrameWatermarks.strategy(Duration.ZERO, Duration.ofMillis(1)) != null, "no out-of-orderness is allowed");
  }

  private WatermarkGenerator<RawRecord> generator(WatermarkStrategy<RawRecord> strategy) {
    return strategy.createWatermarkGenerator(new WatermarkGeneratorSupplier.Context() {
      @Override
      public MetricGroup getMetricGroup() {
        return new UnregisteredMetricsGroup();
      }

      @Override
      public RelativeClock getInputActivityClock() {
        return clock;
      }
    });
  }

  private static RawRecord frame(long captureTimeMs) {
    RawRecord record = new RawRecord("ego.frames", 0, 0, 0, null, null, 0);
    record.eventTimeMs = captureTimeMs;
    return record;
  }

  private static final class RecordingOutput implements WatermarkOutput {
    final List<Long> watermarks = new ArrayList<>();
    int idle;

    @Override
    public void emitWatermark(Watermark watermark) {
      watermarks.add(watermark.getTimestamp());
    }

    @Override
    public void markIdle() {
      idle++;
    }

    @Override
    public void markActive() {}
  }
}
