package io.egostream.cluster;

import io.egostream.kafka.EgoStreamTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a {@code read_committed} consumer sees on one topic from its beginning, with the wall time each record
 * arrived: read on a thread of its own for as long as the test runs, through broker restarts.
 */
final class CommittedRecords implements AutoCloseable {
  /** A committed record's value and when this consumer got it. */
  record Arrival(byte[] value, long arrivedAtMs) {}

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<Arrival> arrivals = new ArrayList<>();
  private final Thread reader;

  CommittedRecords(String bootstrapServers, String topic, int partitions) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> assigned = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      assigned.add(new TopicPartition(topic, p));
    }
    consumer.assign(assigned);
    consumer.seekToBeginning(assigned);
    reader = new Thread(this::read, "committed-" + topic);
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try {
      while (true) {
        var polled = consumer.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        synchronized (arrivals) {
          polled.forEach(r -> arrivals.add(new Arrival(r.value(), now)));
        }
      }
    } catch (WakeupException closing) {
      // close() ends the loop
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  List<Arrival> arrivals() {
    synchronized (arrivals) {
      return List.copyOf(arrivals);
    }
  }

  /** The first arrival at or after {@code ms}, or -1. */
  long firstArrivalAtOrAfter(long ms) {
    return arrivals().stream().mapToLong(Arrival::arrivedAtMs).filter(t -> t >= ms).min().orElse(-1);
  }

  @Override
  public void close() throws InterruptedException {
    consumer.wakeup();
    reader.join(10_000);
  }
}
