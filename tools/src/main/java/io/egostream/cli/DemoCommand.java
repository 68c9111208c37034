package io.egostream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.console.WebConsole;
import io.egostream.job.EgoStreamOptions;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import io.egostream.simulate.WearableSimulator;
import io.egostream.world.Recording;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream demo}: everything in one process. An in-process Kafka broker, the job on a local Flink cluster,
 * simulated wearables streaming in real time, and a driver that asks questions whose answers it knows (it narrated
 * the actions), printing each answer as it arrives and a summary at the end.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run EgoStream end to end on this machine: embedded Kafka, the job on a local Flink cluster, simulated",
        "wearables, and a driver asking EgoMCQ (inter- and intra-video), moment and standing queries with known",
        "answers. Prints every answer, then a summary; the last line is SUMMARY followed by one JSON object."
    })
final class DemoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STANDING_ID = "standing-cup";

  @Spec CommandSpec spec;

  @Option(names = "--devices", defaultValue = "4", paramLabel = "N",
      description = "Simulated wearables (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
      description = "How long the wearables record, e.g. 60s or 2m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder (default: the trained model shipped in the jar, tiny-synthetic).")
  String model;

  @Option(names = "--fps", defaultValue = "8", paramLabel = "F",
      description = "Frames a second per wearable (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the scenes and the questions (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--ui", description = "Also run the web console (see ui --help; --port, --bind, "
      + "--answer-timeout) and keep it and the job up after the stream ends, until Ctrl-C.")
  boolean ui;

  @Option(names = "--moment-queries", defaultValue = "1", paramLabel = "N",
      description = "Moment queries asked once the stream ends, one at a time (each after the last one's answer): "
          + "the first about the cup, then the recordings' narrations (default: ${DEFAULT-VALUE}).")
  int momentQueries;

  @Option(names = "-D", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "A job option, e.g. -D moment.refine.candidates=0 (repeatable).")
  Map<String, String> options = Map.of();

  @Mixin ConsoleOptions console;

  /** What the driver asked, to score the answer. */
  private record Asked(String narration, int truth, boolean intra) {}

  @Override
  public Integer call() throws Exception {
    JobOptionFlags.check(spec, options);
    long durationMs = Durations.option(spec, duration, "--duration").toMillis();
    if (devices < 2) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + devices + " for option '--devices': the "
          + "inter-video questions need at least 2");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path logFile = DemoLog.start(((EgoStream) spec.root().userObject()).verbose());
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(EgoStreamTopics.DEFAULT_FRAME_PARTITIONS);
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 1_000L);
      conf.addAll(JobOptionFlags.configuration(spec, options));
      JobCommand.restOnLoopback(conf);
      if (model != null) {
        conf.set(EgoStreamOptions.MODEL_DIR, model);
      }
      try (LocalJob job = LocalJob.start(spec, conf, "egostream-demo");
          WebConsole web = ui ? console.start(spec, kafka.bootstrapServers()) : null) {
        out.printf(Locale.ROOT, "EgoStream demo: Kafka on %s, the job on a local Flink cluster, running the %s%n",
            kafka.bootstrapServers(), job.settings().model());
        out.printf(Locale.ROOT, "full log: %s%n", logFile);
        if (web != null) {
          out.printf(Locale.ROOT, "console: %s%n", web.uri());
        }
        out.flush();
        int exitCode = drive(kafka, durationMs, out);
        if (web != null) {
          out.printf(Locale.ROOT, "The stream has ended; the console (%s) and the job stay up until Ctrl-C.%n",
              web.uri());
          out.flush();
          CountDownLatch stop = new CountDownLatch(1);
          Runnable restore = StopSignals.handle("the demo", stop::countDown);
          try {
            stop.await();
          } finally {
            restore.run();
          }
        }
        return exitCode;
      }
    }
  }

  private int drive(EmbeddedKafka kafka, long durationMs, PrintWriter out) throws Exception {
    long start = System.currentTimeMillis();
    WearableSimulator simulator = new WearableSimulator(devices, seed, start, durationMs, 160, 120, fps, 4);
    for (WearableSimulator.Device d : simulator.devices()) {
      out.printf(Locale.ROOT, "%s films: %s%n", d.deviceId(), String.join(", ", d.recording().objectNames()));
    }
    Map<String, Asked> asked = new ConcurrentHashMap<>();
    Map<String, Answer> answers = new ConcurrentHashMap<>();
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicLong frames = new AtomicLong();
    try (KafkaProducer<byte[], byte[]> producer = LocalJob.producer(kafka)) {
      send(producer, Query.newBuilder().setQueryId(STANDING_ID).setStanding(StandingQuery.newBuilder()
          .setText("#C C picks up the cup").setThreshold(0.5f)));
      Thread wearables = new Thread(() -> {
        try {
          frames.set(simulator.run(true, (device, batch) -> producer.send(new ProducerRecord<>(
              EgoStreamTopics.FRAMES, device.getBytes(StandardCharsets.UTF_8), batch.toByteArray())).get()));
        } catch (Exception e) {
          throw new IllegalStateException("The simulated wearables stopped: " + e.getMessage(), e);
        }
      }, "wearables");
      wearables.start();
      AtomicBoolean listening = new AtomicBoolean(true);
      Thread listener = new Thread(() -> listen(kafka, listening, answers, asked, latencies, out), "answers");
      listener.setDaemon(true);
      listener.start();

      Random random = new Random(seed);
      List<Recording.Action> askedAbout = new ArrayList<>();
      int n = 0;
      while (wearables.isAlive()) {
        Thread.sleep(1_000);
        long now = System.currentTimeMillis() - start;
        for (WearableSimulator.Device device : simulator.devices()) {
          for (Recording.Action action : device.recording().actions()) {
            // Ask about an action 3 s after it ended (its frames are in), once, at most one question a second.
            if (action.endMs() + 3_000 <= now && action.endMs() <= durationMs - 3_000
                && !askedAbout.contains(action) && random.nextInt(3) == 0) {
              askedAbout.add(action);
              boolean intra = n % 2 == 1;
              Query.Builder q = mcq(simulator, device, action, intra, random);
              if (q != null) {
                String id = String.format(Locale.ROOT, "mcq-%03d", n++);
                int truth = truthOf(q.getMcq(), device, action);
                asked.put(id, new Asked(action.narration(), truth, intra));
                send(producer, q.setQueryId(id));
              }
            }
          }
        }
      }
      wearables.join();
      // One at a time, so each answer's latency is the query's own, not a queue's.
      List<String> texts = new ArrayList<>(List.of("#C C picks up the cup"));
      simulator.devices().forEach(d -> d.recording().actions().forEach(a -> {
        if (!texts.contains(a.narration())) {
          texts.add(a.narration());
        }
      }));
      for (int i = 0; i < Math.min(momentQueries, texts.size()); i++) {
        String id = i == 0 ? "moment-cup" : String.format(Locale.ROOT, "moment-%02d", i);
        send(producer, Query.newBuilder().setQueryId(id).setMoment(MomentQuery.newBuilder()
            .setText(texts.get(i)).setTopK(3)));
        long waitUntil = System.currentTimeMillis() + 45_000;
        while (System.currentTimeMillis() < waitUntil && !answers.containsKey(id)) {
          Thread.sleep(100);
        }
      }
      long drainUntil = System.currentTimeMillis() + 45_000;
      while (System.currentTimeMillis() < drainUntil && !answers.keySet().containsAll(asked.keySet())) {
        Thread.sleep(500);
      }
      // Its consumer closes now, while the broker is up: closed after it, it would warn about a lost connection.
      listening.set(false);
      listener.join();
    }
    return summarize(out, frames.get(), asked, answers, latencies, kafka);
  }

  /**
   * An EgoMCQ question about {@code action}: its narration and five clips, the right one among four others from the
   * same device (intra-video) or from other devices (inter-video), in random order; null when there are too few.
   */
  private Query.Builder mcq(WearableSimulator simulator, WearableSimulator.Device device, Recording.Action action,
      boolean intra, Random random) {
    List<ClipRange> others = new ArrayList<>();
    for (WearableSimulator.Device d : simulator.devices()) {
      if (intra != d.equals(device)) {
        continue;
      }
      for (Recording.Action a : d.recording().actions()) {
        if (a != action && !a.narration().equals(action.narration()) && a.endMs() <= action.endMs()) {
          others.add(range(d, a));
        }
      }
    }
    if (others.size() < 4) {
      return null;
    }
    java.util.Collections.shuffle(others, random);
    List<ClipRange> choices = new ArrayList<>(others.subList(0, 4));
    choices.add(random.nextInt(5), range(device, action));
    return Query.newBuilder().setSentTimeMs(System.currentTimeMillis())
        .setMcq(McqQuery.newBuilder().setNarration(action.narration()).addAllChoices(choices));
  }

  private static int truthOf(McqQuery q, WearableSimulator.Device device, Recording.Action action) {
    return q.getChoicesList().indexOf(range(device, action));
  }

  private static ClipRange range(WearableSimulator.Device d, Recording.Action a) {
    return ClipRange.newBuilder().setDeviceId(d.deviceId()).setStartMs(d.epochMs(a.startMs()))
        .setEndMs(d.epochMs(a.endMs())).build();
  }

  /** Reads committed answers and prints each one as it arrives, while {@code listening}. */
  private static void listen(EmbeddedKafka kafka, AtomicBoolean listening, Map<String, Answer> answers,
      Map<String, Asked> asked, List<Long> latencies, PrintWriter out) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "egostream-demo-driver");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(EgoStreamTopics.ANSWERS));
      while (listening.get()) {
        for (var record : consumer.poll(Duration.ofMillis(500))) {
          Answer a = Answer.parseFrom(record.value());
          answers.putIfAbsent(a.getQueryId(), a);
          latencies.add(a.getLatencyMs());
          synchronized (out) {
            out.println(describe(a, asked.get(a.getQueryId())));
            out.flush();
          }
        }
      }
    } catch (Exception e) {
      synchronized (out) {
        out.println("answers listener stopped: " + e.getMessage());
      }
    }
  }

  private static String describe(Answer a, Asked asked) {
    String base = String.format(Locale.ROOT, "%-8s %-12s %-9s latency %5d ms", a.getKind(), a.getQueryId(),
        a.getStatus(), a.getLatencyMs());
    return switch (a.getKind()) {
      case MCQ -> {
        String verdict = asked == null ? "" : a.getMcq().getChoice() == asked.truth() ? "  RIGHT" : "  wrong";
        yield String.format(Locale.ROOT, "%s  %s \"%s\": chose %d, truth %d, scores %s%s", base,
            asked == null ? "" : asked.intra() ? "intra" : "inter", asked == null ? "" : asked.narration(),
            a.getMcq().getChoice(), asked == null ? -1 : asked.truth(), scores(a), verdict);
      }
      // Moments (merged clips) when the job sends them; a job from before moments sends only clip hits.
      case MOMENT, STANDING -> a.getMomentsCount() > 0
          ? base + "  moments " + a.getMomentsList().stream().map(m -> String.format(Locale.ROOT, "%s@%d-%d %.3f%s",
              m.getDeviceId(), m.getStartMs(), m.getEndMs(), m.getScore(), m.getRefined() ? " refined" : ""))
              .toList()
          : base + "  hits " + a.getHitsList().stream()
              .map(h -> String.format(Locale.ROOT, "%s@%d %.3f", h.getDeviceId(), h.getStartMs(), h.getScore()))
              .toList();
      default -> base + (a.getReason().isEmpty() ? "" : "  " + a.getReason());
    };
  }

  private static String scores(Answer a) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < a.getMcq().getScoresCount(); i++) {
      s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", a.getMcq().getScores(i)));
    }
    return s.append(']').toString();
  }

  private int summarize(PrintWriter out, long frames, Map<String, Asked> asked, Map<String, Answer> answers,
      List<Long> latencies, EmbeddedKafka kafka) throws Exception {
    int right = 0;
    int rightInter = 0;
    int rightIntra = 0;
    int inter = 0;
    int intra = 0;
    for (Map.Entry<String, Asked> e : asked.entrySet()) {
      Answer a = answers.get(e.getKey());
      boolean ok = a != null && a.getMcq().getChoice() == e.getValue().truth();
      right += ok ? 1 : 0;
      if (e.getValue().intra()) {
        intra++;
        rightIntra += ok ? 1 : 0;
      } else {
        inter++;
        rightInter += ok ? 1 : 0;
      }
    }
    List<Long> sorted;
    synchronized (latencies) {
      sorted = latencies.stream().sorted().toList();
    }
    ObjectNode summary = JSON.createObjectNode();
    summary.put("frames", frames);
    summary.put("clips", count(kafka, EgoStreamTopics.EMBEDDINGS));
    summary.put("answers", sorted.size());
    summary.put("mcq_questions", asked.size());
    summary.put("mcq_answered", asked.keySet().stream().filter(answers::containsKey).count());
    summary.put("mcq_accuracy", asked.isEmpty() ? 0 : 100.0 * right / asked.size());
    summary.put("mcq_inter_accuracy", inter == 0 ? 0 : 100.0 * rightInter / inter);
    summary.put("mcq_intra_accuracy", intra == 0 ? 0 : 100.0 * rightIntra / intra);
    ObjectNode latency = summary.putObject("latency_ms");
    latency.put("p50", percentile(sorted, 0.50));
    latency.put("p99", percentile(sorted, 0.99));
    // Moment answers alone: their latency, and the refinement ranges embedded for each (extra clips).
    List<Answer> moments = answers.values().stream().filter(a -> a.getKind() == Answer.Kind.MOMENT).toList();
    List<Long> momentLatencies = moments.stream().map(Answer::getLatencyMs).sorted().toList();
    ObjectNode momentLatency = summary.putObject("moment_latency_ms");
    momentLatency.put("p50", percentile(momentLatencies, 0.50));
    momentLatency.put("max", momentLatencies.isEmpty() ? 0 : momentLatencies.get(momentLatencies.size() - 1));
    summary.put("moment_answers", moments.size());
    summary.put("refine_clips_per_query", moments.isEmpty() ? 0 : moments.stream()
        .mapToInt(a -> a.getMomentsList().stream().mapToInt(io.egostream.proto.v1.Moment::getRefineRanges).sum())
        .sum() / (double) moments.size());
    summary.put("dead_letters", count(kafka, EgoStreamTopics.DEADLETTER));
    out.printf(Locale.ROOT, "%d frames, %d clips, %d answers; MCQ %d/%d right (%.0f %%; chance is 20 %%), "
            + "latency p50 %d ms, p99 %d ms, %d dead letters%n",
        frames, summary.get("clips").asLong(), sorted.size(), right, asked.size(),
        summary.get("mcq_accuracy").asDouble(), latency.get("p50").asLong(), latency.get("p99").asLong(),
        summary.get("dead_letters").asLong());
    out.printf(Locale.ROOT, "%d moment answers: latency p50 %d ms, max %d ms, %.1f refinement clips per query%n",
        moments.size(), momentLatency.get("p50").asLong(), momentLatency.get("max").asLong(),
        summary.get("refine_clips_per_query").asDouble());
    out.println("SUMMARY " + JSON.writeValueAsString(summary));
    out.flush();
    return 0;
  }

  private static long percentile(List<Long> sorted, double q) {
    return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
  }

  /** Records committed to {@code topic}. */
  private static long count(EmbeddedKafka kafka, String topic) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "egostream-demo-count-" + topic);
    long n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      int empty = 0;
      while (empty < 4) {
        int polled = consumer.poll(Duration.ofMillis(500)).count();
        n += polled;
        empty = polled == 0 ? empty + 1 : 0;
      }
    }
    return n;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, Query.Builder query) throws Exception {
    Query q = query.setSentTimeMs(System.currentTimeMillis()).build();
    producer.send(new ProducerRecord<>(EgoStreamTopics.QUERIES, q.getQueryId().getBytes(StandardCharsets.UTF_8),
        q.toByteArray())).get();
  }
}
