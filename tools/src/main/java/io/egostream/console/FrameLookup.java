package io.egostream.console;

import com.google.protobuf.InvalidProtocolBufferException;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * A device's frames in a capture-time range, read back from {@code ego.frames} itself: the console keeps no copy of
 * the video. {@code offsetsForTimes} finds the first record of the device's partition sent at or after the range's
 * start (less {@link #CLOCK_SKEW_MS}), and the partition is read forward until a batch of the device starts at or
 * after the range's end.
 *
 * <p>Why that finds every frame: a wearable sends a frame after capturing it, so a record's timestamp (its send time,
 * Kafka's default {@code CreateTime}) is at or after the capture times it carries, up to the skew between the
 * wearable's clock and the producer's; and a wearable sends its frames in capture order. A wearable that uploads late
 * only moves its frames further on, where the scan still finds them, as long as they arrive within
 * {@link #MAX_UPLOAD_DELAY_MS} of the range's end.
 *
 * <p>{@link #CONSUMERS} consumers serve lookups side by side (a search's cards and the Live overlays ask at the same
 * time); each fetches at most {@link #FETCH_BYTES} a request, so a short range costs a read of about that much.
 */
final class FrameLookup implements AutoCloseable {
  /** How far a wearable's clock may run ahead of the producer's and its frames still be found. */
  static final long CLOCK_SKEW_MS = 5_000;
  /** How long after a range's end a frame of it may still be uploaded and be found. */
  static final long MAX_UPLOAD_DELAY_MS = 60_000;
  /** Most frames one lookup returns: longer ranges are thinned evenly (a page never needs more). */
  static final int MAX_FRAMES = 240;
  /** Lookups served at once. */
  static final int CONSUMERS = 4;
  /**
   * Bytes a fetch returns per partition: a few seconds of a few wearables, not the 16 MiB EgoStream's consumers allow
   * (a record larger than this still comes, alone).
   */
  static final int FETCH_BYTES = 1024 * 1024;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long MAX_LOOKUP_MS = 10_000;

  private final BlockingQueue<KafkaConsumer<byte[], byte[]>> consumers = new ArrayBlockingQueue<>(CONSUMERS);
  private final Function<String, Integer> knownPartition;

  /**
   * @param bootstrapServers the brokers
   * @param knownPartition the partition a device's frames were seen on, or null (then the default partitioner's
   *     choice for its key, which is what EgoStream's wearables use)
   */
  FrameLookup(String bootstrapServers, Function<String, Integer> knownPartition) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FETCH_BYTES);
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    for (int i = 0; i < CONSUMERS; i++) {
      consumers.add(new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }
    this.knownPartition = knownPartition;
  }

  /** The frames of {@code deviceId} captured in [fromMs, toMs), in capture order, at most {@link #MAX_FRAMES}. */
  Views.Frames find(String deviceId, long fromMs, long toMs) {
    if (toMs <= fromMs) {
      throw new QueryForms.InvalidForm("Invalid frame range [" + fromMs + ", " + toMs + "): to must be after from");
    }
    KafkaConsumer<byte[], byte[]> consumer;
    try {
      consumer = consumers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a frame lookup", e);
    }
    try {
      return find(consumer, deviceId, fromMs, toMs);
    } finally {
      consumers.add(consumer);
    }
  }

  private Views.Frames find(KafkaConsumer<byte[], byte[]> consumer, String deviceId, long fromMs, long toMs) {
    TopicPartition partition = partitionOf(consumer, deviceId);
    consumer.assign(List.of(partition));
    long end = consumer.endOffsets(List.of(partition)).get(partition);
    OffsetAndTimestamp first = consumer.offsetsForTimes(Map.of(partition, Math.max(0, fromMs - CLOCK_SKEW_MS)))
        .get(partition);
    TreeMap<Long, Views.Frame> found = new TreeMap<>(); // by capture time: a batch sent twice counts once
    if (first != null) {
      consumer.seek(partition, first.offset());
      long deadline = System.currentTimeMillis() + MAX_LOOKUP_MS;
      boolean done = false;
      while (!done && consumer.position(partition) < end && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          if (record.offset() >= end || record.timestamp() > toMs + MAX_UPLOAD_DELAY_MS) {
            done = true;
            break;
          }
          FrameBatch batch = parse(record.value());
          if (batch == null || !batch.getDeviceId().equals(deviceId) || batch.getFramesCount() == 0) {
            continue;
          }
          if (batch.getFrames(0).getCaptureTimeMs() >= toMs) {
            done = true; // a wearable sends in capture order: the range's frames are all behind this batch
            break;
          }
          for (Frame f : batch.getFramesList()) {
            if (f.getCaptureTimeMs() >= fromMs && f.getCaptureTimeMs() < toMs) {
              found.put(f.getCaptureTimeMs(), new Views.Frame(f.getCaptureTimeMs(), f.getWidth(), f.getHeight(),
                  f.getJpeg().toByteArray()));
            }
          }
        }
      }
    }
    return new Views.Frames(deviceId, fromMs, toMs, thin(new ArrayList<>(found.values())));
  }

  private TopicPartition partitionOf(KafkaConsumer<byte[], byte[]> consumer, String deviceId) {
    Integer known = knownPartition.apply(deviceId);
    if (known != null) {
      return new TopicPartition(EgoStreamTopics.FRAMES, known);
    }
    int partitions = consumer.partitionsFor(EgoStreamTopics.FRAMES).size();
    return new TopicPartition(EgoStreamTopics.FRAMES, defaultPartition(deviceId, partitions));
  }

  /** The partition Kafka's default partitioner gives a record keyed {@code deviceId}. */
  static int defaultPartition(String deviceId, int partitions) {
    return Utils.toPositive(Utils.murmur2(deviceId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** Every n-th frame so that at most {@link #MAX_FRAMES} remain, first frame kept. */
  static List<Views.Frame> thin(List<Views.Frame> frames) {
    if (frames.size() <= MAX_FRAMES) {
      return frames;
    }
    List<Views.Frame> kept = new ArrayList<>(MAX_FRAMES);
    for (int i = 0; i < MAX_FRAMES; i++) {
      kept.add(frames.get((int) ((long) i * frames.size() / MAX_FRAMES)));
    }
    return kept;
  }

  private static FrameBatch parse(byte[] value) {
    try {
      return value == null ? null : FrameBatch.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      return null; // not a frame batch: the job dead-letters it, the console has nothing to show
    }
  }

  /** Closes the consumers; call when no lookup runs any more. */
  @Override
  public void close() {
    for (KafkaConsumer<byte[], byte[]> consumer : consumers) {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
