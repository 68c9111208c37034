package io.egostream.job;

import static io.egostream.simulate.HostileRecords.Kind.ABSURD_TIMEOUT;
import static io.egostream.simulate.HostileRecords.Kind.BAD_RANGE;
import static io.egostream.simulate.HostileRecords.Kind.BOMB_DECLARED_SIZE;
import static io.egostream.simulate.HostileRecords.Kind.BOMB_PROGRESSIVE;
import static io.egostream.simulate.HostileRecords.Kind.CONTROL_CHARACTER_TEXT;
import static io.egostream.simulate.HostileRecords.Kind.DUPLICATE_CAPTURE_TIME;
import static io.egostream.simulate.HostileRecords.Kind.EMPTY_TEXT;
import static io.egostream.simulate.HostileRecords.Kind.FUTURE_CAPTURE_TIME;
import static io.egostream.simulate.HostileRecords.Kind.HUGE_DEVICE_ID;
import static io.egostream.simulate.HostileRecords.Kind.HUGE_FRAMES;
import static io.egostream.simulate.HostileRecords.Kind.HUGE_QUERY_ID;
import static io.egostream.simulate.HostileRecords.Kind.NON_INCREASING_SEQUENCE;
import static io.egostream.simulate.HostileRecords.Kind.OVERSIZED_JPEG;
import static io.egostream.simulate.HostileRecords.Kind.OVERSIZED_TEXT;
import static io.egostream.simulate.HostileRecords.Kind.PAST_CAPTURE_TIME;
import static io.egostream.simulate.HostileRecords.Kind.RANDOM_FRAMES;
import static io.egostream.simulate.HostileRecords.Kind.RANDOM_QUERY;
import static io.egostream.simulate.HostileRecords.Kind.STANDING_FLOOD;
import static io.egostream.simulate.HostileRecords.Kind.THOUSANDS_OF_DEVICES;
import static io.egostream.simulate.HostileRecords.Kind.THRESHOLD_FLOOR;
import static io.egostream.simulate.HostileRecords.Kind.TOO_MANY_FRAMES;
import static io.egostream.simulate.HostileRecords.Kind.TRUNCATED_FRAMES;
import static io.egostream.simulate.HostileRecords.Kind.TRUNCATED_QUERY;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.DeadLetter;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import io.egostream.simulate.HostileRecords;
import io.egostream.simulate.HostileRecords.Hostile;
import io.egostream.simulate.HostileRecords.Kind;
import io.egostream.simulate.WearableSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The storm: 10 000 hostile records ({@link HostileRecords}) interleaved with a good stream of simulated wearables
 * and queries, against the job on embedded Kafka with restarts disabled ({@code restart-strategy.type: none}), so
 * that any task failure fails the job, which the test sees in the job's status and reports with its cause.
 *
 * <p>Asserted: the job is still RUNNING at the end (it never failed, hence never restarted); every hostile record is
 * in ego.deadletter (matched by source topic, partition and offset) or answered ERROR (matched by query id), with a
 * reason containing one of its kind's keywords ({@link #EXPECTED}); and the good stream's results are the same as in
 * a run of the same good stream without the storm: the same clips, embeddings equal within {@link #TOLERANCE}, the
 * same MCQ choices and scores, moment hits and standing-query hits.
 *
 * <p>For a look at some kinds alone, each group in a storm of its own:
 * {@code -Dstorm.kinds='FUTURE_CAPTURE_TIME,PAST_CAPTURE_TIME;CONTROL_CHARACTER_TEXT'}.
 */
class StormTest {
  /**
   * Per hostile kind: how many records the storm sends, and the words of which its reason (dead letter or ERROR
   * answer) must contain at least one, case-insensitively. Align the words with the operators' exact reasons here.
   */
  private static final Map<Kind, Expected> EXPECTED = new EnumMap<>(Map.ofEntries(
      Map.entry(RANDOM_FRAMES, expect(3_605, "malformed", "missing", "no frames", "key")),
      Map.entry(RANDOM_QUERY, expect(2_000, "malformed", "missing", "no kind", "key")),
      Map.entry(TRUNCATED_FRAMES, expect(700, "malformed", "truncated")),
      Map.entry(TRUNCATED_QUERY, expect(500, "malformed", "truncated")),
      Map.entry(OVERSIZED_JPEG, expect(2, "jpeg", "bytes")),
      Map.entry(TOO_MANY_FRAMES, expect(2, "frames.max-per-record")),
      Map.entry(BOMB_DECLARED_SIZE, expect(3, "pixels", "frames.max-", "jpeg", "decode")),
      Map.entry(BOMB_PROGRESSIVE, expect(2, "pixels", "frames.max-", "scans")),
      Map.entry(HUGE_FRAMES, expect(2, "pixels", "frames.max-", "width/height")),
      Map.entry(DUPLICATE_CAPTURE_TIME, expect(300, "duplicate", "capture time", "sequence")),
      // A spoof that reaches the job once its device's clips are built is refused as late before its sequence is read.
      Map.entry(NON_INCREASING_SEQUENCE, expect(300, "sequence", "late frame")),
      Map.entry(FUTURE_CAPTURE_TIME, expect(150, "ahead", "future")),
      Map.entry(PAST_CAPTURE_TIME, expect(150, "behind", "older", "late", "retention")),
      Map.entry(HUGE_DEVICE_ID, expect(2, "device_id", "limits.device-id")),
      Map.entry(EMPTY_TEXT, expect(120, "empty")),
      Map.entry(CONTROL_CHARACTER_TEXT, expect(30, "token")),
      Map.entry(OVERSIZED_TEXT, expect(10, "text", "limits.text")),
      Map.entry(HUGE_QUERY_ID, expect(2, "query_id", "limits.query-id")),
      Map.entry(BAD_RANGE, expect(60, "range", "start_ms", "end_ms", "from_ms", "to_ms")),
      Map.entry(ABSURD_TIMEOUT, expect(20, "timeout_ms")),
      Map.entry(THOUSANDS_OF_DEVICES, expect(20, "device_ids")),
      Map.entry(THRESHOLD_FLOOR, expect(20, "threshold")),
      Map.entry(STANDING_FLOOD, expect(2_000, "standing"))));

  /**
   * Standing queries of the flood (all with one text) that may be accepted: the job's cap on standing queries with
   * one text ({@code limits.standing.max-per-text}); every one after them must be answered ERROR.
   */
  private static final int STANDING_FLOOD_ACCEPTED_AT_MOST = 100;

  private static final double TOLERANCE = 1e-4;
  private static final long SEED = 20;
  private static final int DEVICES = 3;
  private static final long DURATION_MS = 16_000;
  private static final double FPS = 4;
  private static final int FRAMES_PER_BATCH = 4;
  private static final int WIDTH = 128;
  private static final int HEIGHT = 96;
  /** The job's default watermark.out-of-orderness.ms: the watermark stops this far behind the last frame. */
  private static final long OUT_OF_ORDERNESS_MS = EgoStreamOptions.OUT_OF_ORDERNESS_MS.defaultValue();
  private static final String STANDING_ID = "good-standing";
  private static final float STANDING_THRESHOLD = 0.0f;
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(90);
  private static final long QUIET_MS = 15_000;
  /**
   * While the storm's megabyte records go through a loaded machine, a good device's next batch can reach the clip
   * builder seconds late; at the default 5 s that would count as the device going idle and build its windows early.
   * Real pauses are {@code ClipBuilderTest}'s business: here the good devices never pause.
   */
  private static final long IDLENESS_MS = 20_000;

  private record Expected(int count, List<String> keywords) {}

  private static Expected expect(int count, String... keywords) {
    return new Expected(count, List.of(keywords));
  }

  /** A hostile record as sent: where it landed, and the id an ERROR answer would carry. */
  private record Sent(Kind kind, String topic, int partition, long offset, String queryId) {}

  /** What a run saw, times relative to its good stream's start. */
  private record Outcome(Map<String, ClipEmbedding> clips, Map<String, List<Answer>> answers,
      Map<String, List<String>> deadLetters, List<Sent> hostile, String jobFailure, long start) {}

  @Test
  void hostileRecordsAreAllRejectedWithReasonsAndTheGoodStreamIsAnsweredAsWithoutThem() throws Exception {
    Outcome clean = run(Map.of());
    List<String> problems = new ArrayList<>();
    if (clean.jobFailure() != null) {
      problems.add("the job failed without the storm: " + clean.jobFailure());
    }
    for (Map<Kind, Integer> counts : storms()) {
      Outcome storm = run(counts);
      String group = counts.size() == EXPECTED.size() ? "" : counts.keySet() + ": ";
      if (storm.jobFailure() != null) {
        problems.add(group + "the job failed in the storm (restarts are disabled): " + storm.jobFailure());
      }
      checkHostile(storm, counts).forEach(p -> problems.add(group + p));
      checkGood(clean, storm).forEach(p -> problems.add(group + p));
    }
    assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
  }

  /**
   * The storms to run: one with the table's counts, or, to look at some kinds alone, one for each group of kinds
   * named in {@code -Dstorm.kinds} (groups separated by ';', kinds by ',').
   */
  private static List<Map<Kind, Integer>> storms() {
    String only = System.getProperty("storm.kinds", "");
    Map<Kind, Integer> all = new EnumMap<>(Kind.class);
    EXPECTED.forEach((kind, expected) -> all.put(kind, expected.count()));
    if (only.isBlank()) {
      return List.of(all);
    }
    List<Map<Kind, Integer>> storms = new ArrayList<>();
    for (String group : only.split(";")) {
      Set<Kind> kinds = Arrays.stream(group.split(",")).map(String::trim).map(Kind::valueOf)
          .collect(Collectors.toSet());
      Map<Kind, Integer> counts = new EnumMap<>(all);
      counts.keySet().retainAll(kinds);
      storms.add(counts);
    }
    return storms;
  }

  /** Every hostile record dead-lettered or answered ERROR, with a reason naming what was wrong. */
  private static List<String> checkHostile(Outcome storm, Map<Kind, Integer> counts) {
    Map<String, List<String>> errors = new HashMap<>();
    storm.answers().forEach((id, answers) -> answers.stream().filter(a -> a.getStatus() == Answer.Status.ERROR)
        .forEach(a -> errors.computeIfAbsent(id, k -> new ArrayList<>()).add(a.getReason())));
    Map<Kind, List<Sent>> byKind = new EnumMap<>(Kind.class);
    storm.hostile().forEach(s -> byKind.computeIfAbsent(s.kind(), k -> new ArrayList<>()).add(s));
    List<String> problems = new ArrayList<>();
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    if (storm.hostile().size() != total) {
      problems.add("sent " + storm.hostile().size() + " hostile records, expected " + total);
    }
    for (Kind kind : counts.keySet()) {
      List<String> keywords = EXPECTED.get(kind).keywords();
      List<Sent> sent = byKind.getOrDefault(kind, List.of());
      int unanswered = 0;
      int wrongReason = 0;
      String example = null;
      String wrongExample = null;
      for (Sent s : sent) {
        List<String> reasons = new ArrayList<>(storm.deadLetters().getOrDefault(coordinates(s), List.of()));
        if (s.queryId() != null) {
          reasons.addAll(errors.getOrDefault(s.queryId(), List.of()));
        }
        if (reasons.isEmpty()) {
          unanswered++;
          example = example == null ? s.topic() + "/" + s.partition() + "@" + s.offset() : example;
        } else if (reasons.stream().noneMatch(r -> names(r, keywords))) {
          wrongReason++;
          wrongExample = wrongExample == null ? cut(reasons.get(0)) : wrongExample;
        }
      }
      int allowed = kind == STANDING_FLOOD ? Math.min(STANDING_FLOOD_ACCEPTED_AT_MOST, sent.size()) : 0;
      if (unanswered > allowed) {
        problems.add(String.format(Locale.ROOT, "%s: %d of %d neither dead-lettered nor answered ERROR%s (e.g. %s)",
            kind, unanswered, sent.size(), allowed > 0 ? " (" + allowed + " may be accepted)" : "", example));
      }
      if (wrongReason > 0) {
        problems.add(String.format(Locale.ROOT, "%s: %d of %d with a reason naming none of %s, e.g. \"%s\"",
            kind, wrongReason, sent.size(), keywords, wrongExample));
      }
    }
    return problems;
  }

  /** The good stream's clips and answers the same with and without the storm. */
  private static List<String> checkGood(Outcome clean, Outcome storm) {
    List<String> problems = new ArrayList<>();
    // Clips the watermark passes by event time alone; later ones wait for an idle device's flush, if any.
    long settledEnd = DURATION_MS - Math.round(1000 / FPS) - OUT_OF_ORDERNESS_MS;
    Set<String> cleanSettled = settled(clean, settledEnd);
    Set<String> expected = new TreeSet<>();
    for (int d = 0; d < DEVICES; d++) {
      for (long start = -2_000; start + 4_000 <= settledEnd; start += 2_000) {
        expected.add(String.format(Locale.ROOT, "wearable-%02d@%d", d, start));
      }
    }
    if (!cleanSettled.equals(expected)) {
      problems.add("without the storm, the good clips are " + cleanSettled + ", expected " + expected);
    }
    Set<String> stormSettled = settled(storm, settledEnd);
    if (!stormSettled.equals(cleanSettled)) {
      Set<String> missing = new TreeSet<>(cleanSettled);
      missing.removeAll(stormSettled);
      Set<String> extra = new TreeSet<>(stormSettled);
      extra.removeAll(cleanSettled);
      problems.add("good clips in the storm differ: missing " + missing + ", extra " + extra);
    }
    List<String> differing = new ArrayList<>();
    clean.clips().forEach((clip, embedding) -> {
      ClipEmbedding other = storm.clips().get(clip);
      if (other != null && !close(embedding.getEmbeddingList(), other.getEmbeddingList())) {
        differing.add(clip);
      }
    });
    if (!differing.isEmpty()) {
      problems.add("good clips with other embeddings in the storm: " + differing);
    }
    for (String id : List.of("good-mcq-inter", "good-mcq-intra", "good-moment")) {
      Answer a = first(clean, id);
      Answer b = first(storm, id);
      if (a == null || a.getStatus() != Answer.Status.OK) {
        problems.add(id + " without the storm: " + a);
      } else if (b == null) {
        problems.add(id + " not answered in the storm");
      } else if (!sameAnswer(a, b, clean.start(), storm.start())) {
        problems.add(id + " answered differently in the storm: " + summary(b, storm.start()) + " instead of "
            + summary(a, clean.start()));
      }
    }
    Set<String> cleanFired = fired(clean, cleanSettled);
    Set<String> stormFired = fired(storm, cleanSettled);
    if (cleanFired.isEmpty()) {
      problems.add("the good standing query fired on none of the good clips without the storm");
    }
    if (!cleanFired.equals(stormFired)) {
      problems.add("the good standing query fired on " + stormFired + " in the storm, on " + cleanFired
          + " without");
    }
    return problems;
  }

  private static Set<String> settled(Outcome outcome, long settledEnd) {
    return outcome.clips().entrySet().stream()
        .filter(e -> e.getValue().getEndMs() - outcome.start() <= settledEnd)
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> fired(Outcome outcome, Set<String> among) {
    return outcome.answers().getOrDefault(STANDING_ID, List.of()).stream()
        .filter(a -> a.getKind() == Answer.Kind.STANDING && a.getStatus() == Answer.Status.OK)
        .map(a -> clipKey(a.getHits(0).getDeviceId(), a.getHits(0).getStartMs() - outcome.start()))
        .filter(among::contains).collect(Collectors.toCollection(TreeSet::new));
  }

  private static boolean sameAnswer(Answer a, Answer b, long startA, long startB) {
    if (a.getStatus() != b.getStatus() || a.getMcq().getChoice() != b.getMcq().getChoice()
        || !close(a.getMcq().getScoresList(), b.getMcq().getScoresList())
        || a.getHitsCount() != b.getHitsCount()) {
      return false;
    }
    for (int i = 0; i < a.getHitsCount(); i++) {
      var x = a.getHits(i);
      var y = b.getHits(i);
      if (!x.getDeviceId().equals(y.getDeviceId()) || x.getStartMs() - startA != y.getStartMs() - startB
          || Math.abs(x.getScore() - y.getScore()) > TOLERANCE) {
        return false;
      }
    }
    return true;
  }

  private static String summary(Answer a, long start) {
    return a.getStatus() + " choice " + a.getMcq().getChoice() + " scores " + a.getMcq().getScoresList() + " hits "
        + a.getHitsList().stream().map(h -> clipKey(h.getDeviceId(), h.getStartMs() - start)).toList();
  }

  private static boolean close(List<Float> a, List<Float> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (Math.abs(a.get(i) - b.get(i)) > TOLERANCE) {
        return false;
      }
    }
    return true;
  }

  private static Answer first(Outcome outcome, String id) {
    List<Answer> answers = outcome.answers().get(id);
    return answers == null ? null : answers.get(0);
  }

  private static boolean names(String reason, List<String> keywords) {
    String lower = reason.toLowerCase(Locale.ROOT);
    return !reason.isBlank() && keywords.stream().anyMatch(k -> lower.contains(k.toLowerCase(Locale.ROOT)));
  }

  private static String cut(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  private static String coordinates(Sent s) {
    return s.topic() + "/" + s.partition() + "@" + s.offset();
  }

  private static String clipKey(String device, long relativeStartMs) {
    return device + "@" + relativeStartMs;
  }

  /**
   * One run of the good stream on a fresh broker and job, with the hostile records of {@code counts} interleaved
   * (none for the run without the storm).
   */
  private static Outcome run(Map<Kind, Integer> counts) throws Exception {
    long start = System.currentTimeMillis() / 4_000 * 4_000 - 20_000;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka);
        Reader answersTopic = new Reader(kafka, EgoStreamTopics.ANSWERS);
        Reader deadLetterTopic = new Reader(kafka, EgoStreamTopics.DEADLETTER);
        Reader embeddingsTopic = new Reader(kafka, EgoStreamTopics.EMBEDDINGS)) {
      kafka.createEgoStreamTopics(2);
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 500L);
      conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
      conf.set(EgoStreamOptions.IDLENESS_MS, IDLENESS_MS);
      // Any task failure fails the job: a job that is still running at the end never restarted.
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      JobClient job = TestKafka.startJob(conf, false, "egostream-storm-test");
      long began = System.currentTimeMillis();
      try {
        Outcome outcome = drive(kafka, producer, job, counts, start, answersTopic, deadLetterTopic, embeddingsTopic);
        System.out.printf(Locale.ROOT, "storm test: run with %d hostile records took %d s: %d good clips, %d "
                + "answered query ids, %d dead-lettered records%s%n", outcome.hostile().size(),
            (System.currentTimeMillis() - began) / 1000, outcome.clips().size(), outcome.answers().size(),
            outcome.deadLetters().size(), outcome.jobFailure() == null ? "" : "; " + outcome.jobFailure());
        return outcome;
      } finally {
        if (failure(job) == null) {
          job.cancel().get();
        }
      }
    }
  }

  private static Outcome drive(EmbeddedKafka kafka, KafkaProducer<byte[], byte[]> producer, JobClient job,
      Map<Kind, Integer> counts, long start, Reader answersTopic, Reader deadLetterTopic, Reader embeddingsTopic)
      throws Exception {
    List<String> good = new ArrayList<>();
    for (int d = 0; d < DEVICES; d++) {
      good.add(String.format(Locale.ROOT, "wearable-%02d", d));
    }
    send(producer, Query.newBuilder().setQueryId(STANDING_ID).setStanding(StandingQuery.newBuilder()
        .setText("#C C picks up the cup").setThreshold(STANDING_THRESHOLD).addAllDeviceIds(good)));
    Thread.sleep(3_000); // the standing query is registered before the first clip

    long producing = System.currentTimeMillis();
    HostileRecords hostile = new HostileRecords(SEED);
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    List<Hostile> sent = new ArrayList<>();
    for (int i = 0; i < counts.getOrDefault(STANDING_FLOOD, 0); i++) {
      Hostile h = hostile.next(STANDING_FLOOD);
      sent.add(h);
      acks.add(producer.send(new ProducerRecord<>(h.topic(), h.key(), h.value())));
    }
    List<Kind> schedule = new ArrayList<>();
    counts.forEach((kind, n) -> {
      if (kind != STANDING_FLOOD) {
        schedule.addAll(Collections.nCopies(n, kind));
      }
    });
    Collections.shuffle(schedule, new Random(SEED));
    long framesPerDevice = (long) Math.floor(DURATION_MS * FPS / 1000);
    long batches = DEVICES * ((framesPerDevice + FRAMES_PER_BATCH - 1) / FRAMES_PER_BATCH);
    int[] next = {0};
    int[] batch = {0};
    WearableSimulator simulator =
        new WearableSimulator(DEVICES, SEED, start, DURATION_MS, WIDTH, HEIGHT, FPS, FRAMES_PER_BATCH);
    simulator.run(false, (device, frames) -> {
      producer.send(new ProducerRecord<>(EgoStreamTopics.FRAMES, device.getBytes(StandardCharsets.UTF_8),
          frames.toByteArray()));
      hostile.observe(frames);
      batch[0]++;
      // Spread evenly over the good batches; each follows the good batch it spoofs on the same partition.
      for (; next[0] < schedule.size() && next[0] < schedule.size() * batch[0] / batches; next[0]++) {
        Hostile h = hostile.next(schedule.get(next[0]));
        sent.add(h);
        acks.add(producer.send(new ProducerRecord<>(h.topic(), h.key(), h.value())));
      }
    });
    producer.flush();
    System.out.printf(Locale.ROOT, "storm test: good stream and %d hostile records produced in %d s%n", sent.size(),
        (System.currentTimeMillis() - producing) / 1000);
    List<Sent> hostileSent = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      RecordMetadata m = acks.get(i).get();
      hostileSent.add(new Sent(sent.get(i).kind(), m.topic(), m.partition(), m.offset(), sent.get(i).queryId()));
    }

    // Ranges the watermark passes before the stream stops, as in QueriesEndToEndTest.
    McqQuery.Builder inter = McqQuery.newBuilder().setNarration("#C C opens the box");
    McqQuery.Builder intra = McqQuery.newBuilder().setNarration("#C C moves the cup to the left");
    for (int i = 0; i < 5; i++) {
      inter.addChoices(range(good.get(i % DEVICES), start + 1_000 + 1_500 * i, start + 5_000 + 1_500 * i));
      intra.addChoices(range(good.get(1), start + 500 + 1_500 * i, start + 4_500 + 1_500 * i));
    }
    send(producer, Query.newBuilder().setQueryId("good-mcq-inter").setMcq(inter));
    send(producer, Query.newBuilder().setQueryId("good-mcq-intra").setMcq(intra));

    Map<String, List<Answer>> answers = new HashMap<>();
    Map<String, ClipEmbedding> clips = new TreeMap<>();
    Map<String, List<String>> deadLetters = new HashMap<>();
    Runnable poll = () -> {
      for (var r : answersTopic.poll()) {
        Answer a = parse(r.value(), Answer::parseFrom);
        answers.computeIfAbsent(a.getQueryId(), id -> new ArrayList<>()).add(a);
      }
      for (var r : embeddingsTopic.poll()) {
        ClipEmbedding e = parse(r.value(), ClipEmbedding::parseFrom);
        if (good.contains(e.getDeviceId())) {
          clips.put(clipKey(e.getDeviceId(), e.getStartMs() - start), e);
        }
      }
      for (var r : deadLetterTopic.poll()) {
        DeadLetter d = parse(r.value(), DeadLetter::parseFrom);
        deadLetters.computeIfAbsent(d.getSourceTopic() + "/" + d.getSourcePartition() + "@" + d.getSourceOffset(),
            k -> new ArrayList<>()).add(d.getReason());
      }
    };
    long deadline = System.currentTimeMillis() + ANSWER_TIMEOUT.toMillis();
    String failure = null;
    // MCQs answered and clips quiet for 3 s past the idle timeout (every clip is in the store, the last windows of
    // each device built when it went idle), then the moment query: its top-k must not depend on when it was asked.
    int seenClips = -1;
    long quietSince = System.currentTimeMillis();
    while (failure == null && System.currentTimeMillis() < deadline) {
      poll.run();
      failure = failure(job);
      if (clips.size() != seenClips) {
        seenClips = clips.size();
        quietSince = System.currentTimeMillis();
      } else if (answers.containsKey("good-mcq-inter") && answers.containsKey("good-mcq-intra")
          && System.currentTimeMillis() - quietSince > IDLENESS_MS + 3_000) {
        break;
      }
      Thread.sleep(500);
    }
    if (failure == null) {
      send(producer, Query.newBuilder().setQueryId("good-moment").setMoment(MomentQuery.newBuilder()
          .setText("#C C picks up the red cup").setTopK(3).addAllDeviceIds(good)));
    }
    // Then until the moment query is answered and every hostile record is accounted for, or nothing more came for
    // QUIET_MS after the moment answer (the job has nothing left to say about the rest), or the time is up.
    long results = -1;
    long changed = System.currentTimeMillis();
    while (failure == null && System.currentTimeMillis() < deadline
        && !(answers.containsKey("good-moment") && accountedFor(hostileSent, deadLetters, answers))) {
      Thread.sleep(500);
      poll.run();
      failure = failure(job);
      long now = answers.values().stream().mapToLong(List::size).sum() + deadLetters.size();
      if (now != results || !answers.containsKey("good-moment")) {
        results = now;
        changed = System.currentTimeMillis();
      } else if (System.currentTimeMillis() - changed > QUIET_MS) {
        break;
      }
    }
    poll.run();
    return new Outcome(clips, answers, deadLetters, hostileSent, failure(job), start);
  }

  /** Whether every hostile record but the standing queries that may be accepted has a dead letter or an answer. */
  private static boolean accountedFor(List<Sent> hostile, Map<String, List<String>> deadLetters,
      Map<String, List<Answer>> answers) {
    long open = hostile.stream()
        .filter(s -> !deadLetters.containsKey(coordinates(s))
            && (s.queryId() == null || !answers.containsKey(s.queryId())))
        .count();
    long flood = hostile.stream().filter(s -> s.kind() == STANDING_FLOOD).count();
    return open <= Math.min(flood, STANDING_FLOOD_ACCEPTED_AT_MOST);
  }

  /**
   * Why the job ended, or null while it runs. From the result future: once the job has failed, the local cluster
   * shuts down and no longer answers status requests.
   */
  private static String failure(JobClient job) throws InterruptedException {
    CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
    if (!result.isDone()) {
      return null;
    }
    try {
      result.get();
      return "the job finished";
    } catch (ExecutionException e) {
      StringBuilder chain = new StringBuilder("the job failed");
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        chain.append(" <- ").append(cut(String.valueOf(cause)));
      }
      return chain.toString();
    }
  }

  private static ClipRange range(String device, long from, long to) {
    return ClipRange.newBuilder().setDeviceId(device).setStartMs(from).setEndMs(to).build();
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, Query.Builder query) throws Exception {
    Query q = query.setSentTimeMs(System.currentTimeMillis()).build();
    TestKafka.send(producer, EgoStreamTopics.QUERIES, q.getQueryId(), q.toByteArray());
  }

  private interface Parser<T> {
    T parse(byte[] bytes) throws Exception;
  }

  private static <T> T parse(byte[] bytes, Parser<T> parser) {
    try {
      return parser.parse(bytes);
    } catch (Exception e) {
      throw new AssertionError("the job wrote a record that does not parse", e);
    }
  }

  /** A read_committed consumer of every partition of a topic from the start, polled as the run goes. */
  private static final class Reader implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final String topic;
    private KafkaConsumer<byte[], byte[]> consumer;

    Reader(EmbeddedKafka kafka, String topic) {
      this.kafka = kafka;
      this.topic = topic;
    }

    List<ConsumerRecord<byte[], byte[]>> poll() {
      if (consumer == null) {
        Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.assign(consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
      }
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      var polled = consumer.poll(Duration.ofMillis(100));
      while (!polled.isEmpty()) {
        polled.forEach(records::add);
        polled = consumer.poll(Duration.ofMillis(100));
      }
      return records;
    }

    @Override
    public void close() {
      if (consumer != null) {
        consumer.close();
      }
    }
  }
}
