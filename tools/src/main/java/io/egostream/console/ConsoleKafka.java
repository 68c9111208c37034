package io.egostream.console;

import com.google.protobuf.InvalidProtocolBufferException;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import io.egostream.proto.v1.Query;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The console's Kafka side. One consumer ({@code read_committed}: the job writes embeddings and answers in
 * transactions; frames, written plainly, are visible to it as soon as written) follows {@code ego.frames} from its
 * end (the live view), {@code ego.embeddings} from its start (clip counts and each device's time span) and
 * {@code ego.answers} from its end (answers to the queries sent from here, and standing hits); a producer writes
 * {@code ego.queries}; {@link FrameLookup} reads frames back by time. An admin client checks every few seconds that
 * the brokers answer, so that the pages can say when they do not.
 *
 * <p>What it keeps: per device, the newest frame, the capture times of the last {@link #FPS_WINDOW_MS} and a few
 * counters, and the newest clip's kept tokens. Never the video.
 */
final class ConsoleKafka implements AutoCloseable {
  /** Frames/s is measured over this much of a device's newest capture times. */
  static final long FPS_WINDOW_MS = 5_000;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final int KAFKA_TIMEOUT_MS = 5_000;

  /** Where the Kafka side reports what the pages should hear now. */
  interface Events {
    void publish(String event, Object data);
  }

  private final String bootstrapServers;
  private final Events events;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Admin admin;
  private final FrameLookup frames;
  private final Map<String, DeviceState> devices = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Answer>> waiting = new ConcurrentHashMap<>();
  private final Map<String, Views.Standing> standing = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "status"));
  private final Thread poller = daemon(this::follow, "console-kafka");
  private volatile Views.Status status;
  private volatile boolean ready;
  private volatile boolean running = true;

  ConsoleKafka(String bootstrapServers, Events events) {
    this.bootstrapServers = bootstrapServers;
    this.events = events;
    this.status = new Views.Status(false, bootstrapServers, "connecting to Kafka at " + bootstrapServers + "...");
    Map<String, Object> consumerConfig = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, KAFKA_TIMEOUT_MS);
    // Asking for a missing topic must not create it (with a broker's defaults: 1 partition, 1 MB records).
    consumerConfig.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    Map<String, Object> producerConfig = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // A query the brokers cannot take fails within seconds, so the page can say so instead of hanging.
    producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, KAFKA_TIMEOUT_MS);
    producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, KAFKA_TIMEOUT_MS);
    producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2 * KAFKA_TIMEOUT_MS);
    this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, KAFKA_TIMEOUT_MS,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, KAFKA_TIMEOUT_MS));
    this.frames = new FrameLookup(bootstrapServers, id -> {
      DeviceState d = devices.get(id);
      return d == null ? null : d.partition;
    });
  }

  void start() {
    poller.start();
    timer.scheduleWithFixedDelay(this::checkBrokers, 0, 3, TimeUnit.SECONDS);
    timer.scheduleWithFixedDelay(() -> events.publish("devices", devices()), 1, 1, TimeUnit.SECONDS);
  }

  Views.Status status() {
    return status;
  }

  /** Everything a page shows when it connects. */
  Views.State state() {
    List<Views.Clip> clips = devices.values().stream().map(d -> d.newestClip).filter(c -> c != null).toList();
    return new Views.State(status, devices(), clips, List.copyOf(standing.values()));
  }

  List<Views.Device> devices() {
    return devices.values().stream().map(DeviceState::view).sorted(Comparator.comparing(Views.Device::deviceId))
        .toList();
  }

  /** The newest frame seen of {@code deviceId}, or null. */
  Views.Frame newestFrame(String deviceId) {
    DeviceState d = devices.get(deviceId);
    return d == null ? null : d.newestFrame;
  }

  Views.Frames frames(String deviceId, long fromMs, long toMs) {
    return frames.find(deviceId, fromMs, toMs);
  }

  /**
   * Sends {@code query} and returns its first answer, completed exceptionally with a {@link TimeoutException} after
   * {@code timeout}. Throws {@link Unavailable} when the brokers cannot take it.
   */
  CompletableFuture<Answer> ask(Query query, Duration timeout) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    waiting.put(query.getQueryId(), answer);
    try {
      send(query);
    } catch (Unavailable e) {
      waiting.remove(query.getQueryId());
      throw e;
    }
    return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((a, e) -> waiting.remove(query.getQueryId()));
  }

  /** Registers a standing query; its hits (and an ERROR, should the job refuse it) come as {@code alert} events. */
  void stand(Query query, Views.Standing view) {
    standing.put(view.queryId(), view);
    try {
      send(query);
    } catch (Unavailable e) {
      standing.remove(view.queryId());
      throw e;
    }
  }

  /** Forgets a standing query once its cancel is confirmed. */
  void forget(String queryId) {
    standing.remove(queryId);
  }

  private void send(Query query) {
    if (!ready) {
      throw new Unavailable(status.message());
    }
    try {
      producer.send(new ProducerRecord<>(EgoStreamTopics.QUERIES,
          query.getQueryId().getBytes(StandardCharsets.UTF_8), query.toByteArray())).get();
    } catch (ExecutionException | KafkaException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new Unavailable("Kafka at " + bootstrapServers + " did not take the query: " + cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while sending the query");
    }
  }

  /** Kafka cannot take or answer a query now; the message says why, for a person. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }

  private void follow() {
    while (running && !ready) {
      try {
        List<TopicPartition> all = new ArrayList<>();
        String missing = null;
        for (String topic : List.of(EgoStreamTopics.FRAMES, EgoStreamTopics.EMBEDDINGS, EgoStreamTopics.ANSWERS,
            EgoStreamTopics.QUERIES)) {
          List<PartitionInfo> partitions = consumer.partitionsFor(topic);
          if (partitions == null || partitions.isEmpty()) {
            missing = topic;
          } else if (!topic.equals(EgoStreamTopics.QUERIES)) {
            partitions.forEach(p -> all.add(new TopicPartition(topic, p.partition())));
          }
        }
        if (missing != null) {
          setStatus(false, "Kafka at " + bootstrapServers + " has no topic " + missing + " (create EgoStream's "
              + "topics, as the kafka command does)");
          sleep(2_000);
          continue;
        }
        consumer.assign(all);
        consumer.seekToEnd(all.stream().filter(p -> !p.topic().equals(EgoStreamTopics.EMBEDDINGS)).toList());
        consumer.seekToBeginning(all.stream().filter(p -> p.topic().equals(EgoStreamTopics.EMBEDDINGS)).toList());
        all.forEach(consumer::position); // fixes the ends now: an answer to a query sent from now on is not skipped
        ready = true;
        checkBrokers();
      } catch (WakeupException e) {
        return;
      } catch (KafkaException e) {
        // Brokers that do not answer: checkBrokers says so on the page; try again.
        sleep(1_000);
      }
    }
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          try {
            switch (record.topic()) {
              case EgoStreamTopics.FRAMES -> onFrames(record.partition(), FrameBatch.parseFrom(record.value()));
              case EgoStreamTopics.EMBEDDINGS -> onClip(ClipEmbedding.parseFrom(record.value()));
              default -> onAnswer(Answer.parseFrom(record.value()));
            }
          } catch (InvalidProtocolBufferException | NullPointerException e) {
            // Not a record of the topic's type: the job dead-letters bad frames; there is nothing to show.
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    }
  }

  private void onFrames(int partition, FrameBatch batch) {
    DeviceState d = devices.computeIfAbsent(batch.getDeviceId(), DeviceState::new);
    synchronized (d) {
      d.partition = partition;
      for (Frame f : batch.getFramesList()) {
        d.onFrame(f);
      }
    }
  }

  private void onClip(ClipEmbedding clip) {
    DeviceState d = devices.computeIfAbsent(clip.getDeviceId(), DeviceState::new);
    Views.Clip view = Views.Clip.of(clip);
    synchronized (d) {
      d.clips++;
      d.firstMs = d.firstMs == 0 ? clip.getStartMs() : Math.min(d.firstMs, clip.getStartMs());
      d.lastMs = Math.max(d.lastMs, clip.getEndMs());
      if (d.newestClip == null || clip.getStartMs() >= d.newestClip.startMs()) {
        d.newestClip = view;
      }
    }
    events.publish("clip", view);
  }

  private void onAnswer(Answer answer) {
    CompletableFuture<Answer> waiter = waiting.get(answer.getQueryId());
    if (waiter != null) {
      waiter.complete(answer);
    }
    if (answer.getKind() == Answer.Kind.STANDING || standing.containsKey(answer.getQueryId())
        && answer.getKind() != Answer.Kind.CANCEL) {
      events.publish("alert", Views.AnswerView.of(answer));
    }
  }

  /** Reports whether the brokers answer; while the console is still setting up, its own message stays. */
  private void checkBrokers() {
    try {
      int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(KAFKA_TIMEOUT_MS)).nodes()
          .get(KAFKA_TIMEOUT_MS + 1_000L, TimeUnit.MILLISECONDS).size();
      if (ready) {
        setStatus(true, "connected to Kafka at " + bootstrapServers + " (" + brokers + " broker"
            + (brokers == 1 ? ")" : "s)"));
      }
    } catch (ExecutionException | TimeoutException e) {
      setStatus(false, "Kafka at " + bootstrapServers + " does not answer: " + (e.getCause() == null
          ? "no reply within " + KAFKA_TIMEOUT_MS / 1000 + " s" : e.getCause().getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void setStatus(boolean connected, String message) {
    Views.Status next = new Views.Status(connected, bootstrapServers, message);
    if (!next.equals(status)) {
      status = next;
      events.publish("status", next);
    }
  }

  /** Closes the clients; an interrupted caller (how a stop can arrive) is let through and stays interrupted. */
  @Override
  public void close() {
    boolean interrupted = Thread.interrupted(); // Kafka's clients refuse to close on an interrupted thread
    try {
      running = false;
      timer.shutdownNow();
      consumer.wakeup();
      poller.join(5_000);
      consumer.close(Duration.ofSeconds(2));
      producer.close(Duration.ofSeconds(2));
      admin.close(Duration.ofSeconds(2));
      frames.close();
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What the console knows of one device; guarded by its own lock. */
  private static final class DeviceState {
    final String deviceId;
    final ArrayDeque<Long> recent = new ArrayDeque<>();
    Integer partition;
    Views.Frame newestFrame;
    long frames;
    long clips;
    long firstMs;
    long lastMs;
    Views.Clip newestClip;

    DeviceState(String deviceId) {
      this.deviceId = deviceId;
    }

    void onFrame(Frame f) {
      frames++;
      long t = f.getCaptureTimeMs();
      if (newestFrame == null || t >= newestFrame.captureTimeMs()) {
        newestFrame = new Views.Frame(t, f.getWidth(), f.getHeight(), f.getJpeg().toByteArray());
        recent.addLast(t);
        while (recent.peekFirst() < t - FPS_WINDOW_MS) {
          recent.removeFirst();
        }
      }
    }

    synchronized Views.Device view() {
      double fps = recent.size() < 2 ? 0 : (recent.size() - 1) * 1000.0 / Math.max(1, recent.peekLast()
          - recent.peekFirst());
      return new Views.Device(deviceId, newestFrame == null ? 0 : newestFrame.captureTimeMs(), fps, frames, clips,
          firstMs, lastMs);
    }
  }
}
