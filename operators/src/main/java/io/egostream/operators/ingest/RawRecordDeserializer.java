package io.egostream.operators.ingest;

import io.egostream.operators.records.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads every Kafka record as a {@link RawRecord}, bytes untouched. Decoding happens later, in {@link DecodeFrames},
 * where a bad record can be dead-lettered: an exception here would fail the job, and the source cannot side-output.
 * Nothing in this class can throw.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
    out.collect(new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(), record.key(),
        record.value(), System.currentTimeMillis()));
  }

  @Override
  public TypeInformation<RawRecord> getProducedType() {
    return TypeInformation.of(RawRecord.class);
  }
}
