package io.egostream.operators.records;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.OutputTag;

/**
 * The dead-letter output of a function that decodes {@link RawRecord}s: a rejected record goes whole, byte for byte,
 * to the side output with its reason, and is counted in the metric {@code deadLetters}.
 */
public final class DeadLetters implements Serializable {
  private static final long serialVersionUID = 1L;

  private final OutputTag<DeadLetterRecord> tag;
  private transient Counter count;

  public DeadLetters(OutputTag<DeadLetterRecord> tag) {
    this.tag = Objects.requireNonNull(tag, "tag");
  }

  /** Registers the {@code deadLetters} counter; call from the function's {@code open}. */
  public void open(MetricGroup metrics) {
    count = metrics.counter("deadLetters");
  }

  /** Sends {@code record} to the side output with {@code reason}, stamped {@code nowMs}. */
  public void reject(RawRecord record, String reason, long nowMs, ProcessFunction<?, ?>.Context ctx) {
    count.inc();
    ctx.output(tag, new DeadLetterRecord(record, reason, nowMs));
  }
}
