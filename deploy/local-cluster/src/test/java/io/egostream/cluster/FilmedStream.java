package io.egostream.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.Query;
import io.egostream.simulate.WearableSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One test's input and its exact expectations: three wearables filming in real time for a fixed span into topics
 * of the test's own, and an MCQ every two seconds about what they filmed. The expected output is known from what was
 * sent: one clip embedding per device for every window {@code [k·2 s, k·2 s + 4 s)} holding at least 4 of its frames
 * (the job's clip settings, given in {@link #jobArgs}), and one answer per MCQ. When the filming ends, the job's idle
 * timeout closes every device's last windows, so the expected set is complete and finite.
 */
final class FilmedStream implements AutoCloseable {
  private static final int DEVICES = 3;
  private static final int FRAME_PARTITIONS = 3;
  private static final long CLIP_MS = 4_000;
  private static final long STRIDE_MS = 2_000;
  private static final int MIN_FRAMES = 4;

  private final String name;
  private final String bootstrapServers;
  private final long durationMs;
  private final Map<String, TreeSet<Long>> frameTimes = new TreeMap<>();
  private final List<String> queryIds = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private final KafkaProducer<byte[], byte[]> producer;
  private final CommittedRecords embeddings;
  private final CommittedRecords answers;
  private final CommittedRecords deadLetters;
  private Future<?> filming;
  private Future<?> asking;
  private volatile boolean filmed;

  /** Creates the topics {@code NAME.frames} etc. and starts reading their committed records. */
  FilmedStream(String bootstrapServers, String name, Duration duration) throws Exception {
    this.name = name;
    this.bootstrapServers = bootstrapServers;
    this.durationMs = duration.toMillis();
    List<NewTopic> topics = new ArrayList<>();
    for (String topic : List.of("frames", "embeddings", "queries", "answers", "deadletter", "refine-requests")) {
      topics.add(EgoStreamTopics.newTopic(topic(topic), topic.equals("frames") ? FRAME_PARTITIONS : 1, (short) 1));
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      admin.createTopics(topics).all().get();
    }
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.producerSizeLimits());
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    embeddings = new CommittedRecords(bootstrapServers, topic("embeddings"), 1);
    answers = new CommittedRecords(bootstrapServers, topic("answers"), 1);
    deadLetters = new CommittedRecords(bootstrapServers, topic("deadletter"), 1);
  }

  private String topic(String kind) {
    return name + "." + kind;
  }

  /** The job's arguments for this stream: its topics, group, transactions, and the clip settings expected here. */
  List<String> jobArgs() {
    List<String> args = new ArrayList<>();
    for (String kind : List.of("frames", "embeddings", "queries", "answers", "deadletter", "refine-requests")) {
      args.addAll(List.of("-D", "topic." + kind + "=" + topic(kind)));
    }
    args.addAll(List.of(
        "-D", "kafka.group-id=" + name,
        "-D", "kafka.transactional-id-prefix=" + name,
        "-D", "model.preset=tiny",
        "-D", "clip.length.ms=" + CLIP_MS,
        "-D", "clip.stride.ms=" + STRIDE_MS,
        "-D", "clip.min-frames=" + MIN_FRAMES,
        "-D", "checkpoint.interval.ms=1000",
        // A device counts as silent after this much wall-clock time without frames reaching the clip builder. After
        // a restore, the replayed backlog reaches it only as fast as the restarted model takes clips (backpressure):
        // 5 s (the default) let a device go "idle" in the middle of its own replay, which then came in late and was
        // dead-lettered (24 frames after the savepoint upgrade on a loaded 2-core machine). docs/operations.md.
        "-D", "watermark.idleness.ms=20000",
        // The job's own 10 s between restarts is for production; the tests measure the recovery without it.
        "-D", "restart-strategy.failure-rate.delay=2 s"));
    return args;
  }

  /** Starts filming in real time from now, and asking. */
  void start() {
    long start = System.currentTimeMillis() / 1000 * 1000;
    WearableSimulator simulator = new WearableSimulator(DEVICES, 7, start, durationMs, 96, 72, 4, 2);
    filming = threads.submit(() -> {
      simulator.run(true, (device, batch) -> {
        synchronized (frameTimes) {
          TreeSet<Long> times = frameTimes.computeIfAbsent(device, d -> new TreeSet<>());
          batch.getFramesList().stream().map(Frame::getCaptureTimeMs).forEach(times::add);
        }
        send("frames", device, batch.toByteArray());
      });
      filmed = true;
      return null;
    });
    asking = threads.submit(() -> {
      for (int q = 0; !filmed; q++) {
        Thread.sleep(2_000);
        long now = System.currentTimeMillis();
        if (now - start < 10_000) {
          continue;
        }
        // Five 4 s ranges of the last ~9 s, over all devices: all filmed already, so answerable at once.
        McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C picks up the cup " + q);
        long from = (now - 9_000) / 500 * 500;
        for (int i = 0; i < 5; i++) {
          mcq.addChoices(ClipRange.newBuilder().setDeviceId(simulator.devices().get((q + i) % DEVICES).deviceId())
              .setStartMs(from + 500L * i).setEndMs(from + 500L * i + 4_000));
        }
        Query query = Query.newBuilder().setQueryId(name + "-mcq-" + q).setMcq(mcq).build();
        send("queries", query.getQueryId(), query.toByteArray());
        synchronized (queryIds) {
          queryIds.add(query.getQueryId());
        }
      }
      return null;
    });
  }

  private void send(String kind, String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic(kind), key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  /** Waits until {@code n} clip embeddings are committed: the job is then mid-way, with checkpoints behind it. */
  void awaitCommittedClips(int n, Duration timeout, String context) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (embeddings.arrivals().size() < n) {
      assertTrue(!filming.isDone() || filming.get() == null, "the filming failed");
      assertTrue(System.currentTimeMillis() < deadline, n + " clips not committed within " + timeout + context);
      Thread.sleep(100);
    }
    assertTrue(!filmed, "the filming ended before " + n + " clips were committed: the fault would not be mid-stream"
        + " (the job is too slow on this machine; see " + name + " in the logs)" + context);
  }

  /** device@start of every window the frames sent fill with at least {@link #MIN_FRAMES} frames. */
  Set<String> expectedClips() {
    Set<String> clips = new HashSet<>();
    synchronized (frameTimes) {
      frameTimes.forEach((device, times) -> {
        long first = Math.floorDiv(times.first() - CLIP_MS, STRIDE_MS) * STRIDE_MS;
        for (long start = first; start <= times.last(); start += STRIDE_MS) {
          if (times.subSet(start, start + CLIP_MS).size() >= MIN_FRAMES) {
            clips.add(device + "@" + start);
          }
        }
      });
    }
    return clips;
  }

  List<String> committedClips() throws Exception {
    List<String> clips = new ArrayList<>();
    for (CommittedRecords.Arrival a : embeddings.arrivals()) {
      ClipEmbedding e = ClipEmbedding.parseFrom(a.value());
      clips.add(e.getDeviceId() + "@" + e.getStartMs());
    }
    return clips;
  }

  List<Answer> committedAnswers() throws Exception {
    List<Answer> list = new ArrayList<>();
    for (CommittedRecords.Arrival a : answers.arrivals()) {
      list.add(Answer.parseFrom(a.value()));
    }
    return list;
  }

  /** The first committed embedding or answer that arrived at or after {@code ms}, or -1. */
  long firstCommittedAtOrAfter(long ms) {
    long e = embeddings.firstArrivalAtOrAfter(ms);
    long a = answers.firstArrivalAtOrAfter(ms);
    return e < 0 ? a : a < 0 ? e : Math.min(e, a);
  }

  /**
   * Waits for the filming to end and the job to commit every expected clip and answer, then for 3 s more in which
   * nothing else may arrive; asserts each expected record exactly once and nothing else.
   *
   * @param whileWaiting checked on every poll (e.g. that the job still runs); false fails at once
   * @return what was seen, for the test's report
   */
  Counts assertExactlyOnce(Duration timeout, BooleanSupplier whileWaiting, String context) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    filming.get();
    asking.get();
    Set<String> expectedClips = expectedClips();
    Set<String> expectedAnswers;
    synchronized (queryIds) {
      expectedAnswers = new HashSet<>(queryIds);
    }
    while (!(new HashSet<>(committedClips()).containsAll(expectedClips)
        && committedAnswers().stream().map(Answer::getQueryId).toList().containsAll(expectedAnswers))) {
      assertTrue(whileWaiting.getAsBoolean(), "stopped waiting: " + context.toString());
      if (System.currentTimeMillis() > deadline) {
        break; // the assertions below say what is missing
      }
      Thread.sleep(250);
    }
    Thread.sleep(3_000); // a duplicate would arrive within this
    List<String> clips = committedClips();
    List<String> answerIds = committedAnswers().stream().map(Answer::getQueryId).toList();
    Counts counts = new Counts(expectedClips.size(), clips.size(), lost(expectedClips, clips),
        clips.size() - new HashSet<>(clips).size(), expectedAnswers.size(), answerIds.size(),
        lost(expectedAnswers, answerIds), answerIds.size() - new HashSet<>(answerIds).size(),
        deadLetters.arrivals().size());
    System.out.println(name + ": " + counts);
    assertEquals(0, counts.clipsLost(), "clips lost: " + counts + missing(expectedClips, clips) + context);
    assertEquals(0, counts.clipsDuplicated(), "clips committed twice: " + counts + context);
    assertEquals(expectedClips, new HashSet<>(clips), "clips nobody expected: " + counts + context);
    assertEquals(0, counts.answersLost(), "answers lost: " + counts + missing(expectedAnswers, answerIds) + context);
    assertEquals(0, counts.answersDuplicated(), "answers committed twice: " + counts + context);
    assertEquals(expectedAnswers, new HashSet<>(answerIds), "answers nobody expected: " + counts + context);
    assertEquals(0, counts.deadLetters(), "dead letters: " + counts + context);
    assertTrue(committedAnswers().stream().noneMatch(a -> a.getStatus() == Answer.Status.ERROR),
        "ERROR answers: " + committedAnswers());
    return counts;
  }

  private static long lost(Set<String> expected, List<String> seen) {
    Set<String> missing = new HashSet<>(expected);
    seen.forEach(missing::remove);
    return missing.size();
  }

  private static String missing(Set<String> expected, List<String> seen) {
    Set<String> missing = new TreeSet<>(expected);
    seen.forEach(missing::remove);
    return " missing " + missing;
  }

  /** Expected, committed, lost and duplicated clip embeddings and answers; dead letters. */
  record Counts(int clipsExpected, int clipsCommitted, long clipsLost, int clipsDuplicated, int answersExpected,
      int answersCommitted, long answersLost, int answersDuplicated, int deadLetters) {
    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "clips %d expected, %d committed, %d lost, %d duplicated; "
          + "answers %d expected, %d committed, %d lost, %d duplicated; %d dead letters", clipsExpected,
          clipsCommitted, clipsLost, clipsDuplicated, answersExpected, answersCommitted, answersLost,
          answersDuplicated, deadLetters);
    }
  }

  @Override
  public void close() throws Exception {
    threads.shutdownNow();
    producer.close(Duration.ofSeconds(5));
    embeddings.close();
    answers.close();
    deadLetters.close();
  }
}
