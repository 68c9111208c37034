package io.egostream.simulate;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.proto.v1.FrameBatch;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes frame batches to a Kafka topic, keyed by device id, each acknowledged before the next is sent (a
 * wearable's frames stay in order and a broker that goes away stops the sender at once).
 */
public final class KafkaBatchSink implements WearableSimulator.BatchSink, AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  /** {@code clientProperties}: extra producer properties (security, e.g. from {@code -D kafka.properties.*}). */
  public KafkaBatchSink(String bootstrapServers, String topic, Map<String, Object> clientProperties) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.putAll(clientProperties);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
  }

  @Override
  public void send(String deviceId, FrameBatch batch) throws InterruptedException, ExecutionException {
    producer.send(new ProducerRecord<>(topic, deviceId.getBytes(StandardCharsets.UTF_8), batch.toByteArray())).get();
  }

  @Override
  public void close() {
    producer.close();
  }
}
