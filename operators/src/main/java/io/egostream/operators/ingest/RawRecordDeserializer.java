package io.egostream.operators.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads every Kafka record as a {@link RawRecord}, bytes untouched. Decoding happens later, in {@link DecodeFrames},
 * where a bad record can be dead-lettered: an exception here would fail the job, and the source cannot side-output.
 * Nothing in this class can throw.
 *
 * <p>It does read the capture times of a frame batch, though: the source assigns watermarks per Kafka partition, and
 * only here is the partition still known. A record whose capture times are not all plausible gets no event time, so
 * garbage cannot push the watermark past good frames.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
  private static final long serialVersionUID = 1L;

  private final DecodeSettings settings;

  public RawRecordDeserializer(DecodeSettings settings) {
    this.settings = settings;
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
    long now = System.currentTimeMillis();
    RawRecord raw = new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
        record.key(), record.value(), now);
    raw.eventTimeMs = eventTime(record.value(), now);
    out.collect(raw);
  }

  /** The newest capture time of the batch, or {@link Long#MIN_VALUE} when the value is no plausible batch. */
  long eventTime(byte[] value, long now) {
    if (value == null) {
      return Long.MIN_VALUE;
    }
    try {
      long newest = Long.MIN_VALUE;
      for (Frame frame : FrameBatch.parseFrom(value).getFramesList()) {
        if (!settings.plausible(frame.getCaptureTimeMs(), now)) {
          return Long.MIN_VALUE;
        }
        newest = Math.max(newest, frame.getCaptureTimeMs());
      }
      return newest;
    } catch (InvalidProtocolBufferException e) {
      return Long.MIN_VALUE;
    }
  }

  @Override
  public TypeInformation<RawRecord> getProducedType() {
    return TypeInformation.of(RawRecord.class);
  }
}
