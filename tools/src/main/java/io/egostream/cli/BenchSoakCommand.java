package io.egostream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.job.EgoStreamOptions;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.model.ModelBenchmark;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.simulate.HostileRecords;
import io.egostream.simulate.WearableSimulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream bench soak}: the job under a steady load for a while, to see that memory and checkpoints stay
 * flat. Everything runs in this process (broker, local Flink cluster, wearables, queries), so the resident memory
 * printed is the whole system's.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run the job on a local Flink cluster beside an embedded broker under a steady load: simulated wearables at",
        "a real frame rate, a trickle of hostile records (every kind the storm test sends, in turn) and a query every",
        "few seconds. Prints a line every --every: throughput, answer latency, checkpoint size and duration, restarts,",
        "resident memory and heap; then whether resident memory and checkpoint size were flat over the second half."
    })
final class BenchSoakCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double MIB = 1024 * 1024;
  /** Growth over the second half, as a share of its mean, below which a series counts as flat. */
  private static final double FLAT_SHARE = 0.05;
  private static final long QUERY_EVERY_MS = 5_000;
  private static final String QUERY_PREFIX = "soak-";

  @Spec CommandSpec spec;

  @Option(names = "--minutes", defaultValue = "30", paramLabel = "M",
      description = "How long the wearables stream; fractions allowed, e.g. 0.5 (default: ${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--devices", defaultValue = "4", paramLabel = "D",
      description = "Simulated wearables (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--fps", defaultValue = "8", paramLabel = "F",
      description = "Frames a second per wearable (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--hostile-per-second", defaultValue = "1", paramLabel = "R",
      description = "Hostile records a second, of every kind in turn; 0 for none (default: ${DEFAULT-VALUE}).")
  double hostilePerSecond;

  @Option(names = "--every", defaultValue = "30s", paramLabel = "DURATION",
      description = "Time between two printed samples, e.g. 30s (default: ${DEFAULT-VALUE}).")
  String every;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder (default: the trained model shipped in the jar, tiny-synthetic).")
  String model;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the scenes and the hostile records (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print each sample and the summary as one JSON object a line.")
  boolean json;

  @Option(names = "-D", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "A job option, as for the job command, e.g. -D store.retention.ms=300000 (repeatable).")
  Map<String, String> options = Map.of();

  /** One printed sample; restarts is −1 when the cluster did not report it. */
  record Sample(double seconds, double framesPerSecond, double clipsPerSecond, long answers, long latencyP50Ms,
      long latencyMaxMs, long checkpoints, long failedCheckpoints, long checkpointBytes, long checkpointMs,
      long restarts, long residentBytes, long heapUsedBytes) {}

  @Override
  public Integer call() throws Exception {
    JobOptionFlags.check(spec, options);
    long durationMs = Math.round(minutes * 60_000);
    long everyMs = Durations.option(spec, every, "--every").toMillis();
    if (durationMs < 1_000 || devices < 1 || fps <= 0 || hostilePerSecond < 0 || everyMs < 1_000) {
      throw new ParameterException(spec.commandLine(), "Invalid value for --minutes " + minutes + ", --devices "
          + devices + ", --fps " + fps + ", --hostile-per-second " + hostilePerSecond + " or --every " + every
          + ": need at least 1 s of streaming, 1 device, a positive frame rate, no negative rate and 1 s between "
          + "samples");
    }
    PrintWriter out = spec.commandLine().getOut();
    int restPort = EmbeddedKafka.freePort();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(EgoStreamTopics.DEFAULT_FRAME_PARTITIONS);
      Configuration conf = JobOptionFlags.configuration(spec, options);
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      if (model != null) {
        conf.set(EgoStreamOptions.MODEL_DIR, model);
      }
      // Checkpoint figures come from the local cluster's REST API, on loopback only.
      JobCommand.restOnLoopback(conf);
      conf.set(RestOptions.BIND_PORT, String.valueOf(restPort));
      try (LocalJob job = LocalJob.start(spec, conf, "egostream-soak")) {
        if (!json) {
          out.printf(Locale.ROOT,
              "EgoStream soak: %d wearables at %s fps for %s min, %s hostile records/s, running the %s%n", devices,
              fps, minutes, hostilePerSecond, job.settings().model());
          out.printf(Locale.ROOT, "%7s %8s %7s %7s %8s %8s %6s %11s %8s %8s %9s %9s%n", "seconds", "frames/s",
              "clips/s", "answers", "p50 ms", "max ms", "ckpts", "ckpt KiB", "ckpt ms", "restarts", "RSS MiB",
              "heap MiB");
          out.flush();
        }
        List<Sample> samples = soak(kafka, job, "http://127.0.0.1:" + restPort, durationMs, everyMs, out);
        summarize(samples, out);
        return 0;
      }
    }
  }

  private List<Sample> soak(EmbeddedKafka kafka, LocalJob job, String rest, long durationMs, long everyMs,
      PrintWriter out) throws Exception {
    long start = System.currentTimeMillis();
    WearableSimulator simulator = new WearableSimulator(devices, seed, start, durationMs, 160, 120, fps, 4);
    HostileRecords hostile = new HostileRecords(seed);
    AtomicLong frames = new AtomicLong();
    AtomicLong clips = new AtomicLong();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    List<Sample> samples = new ArrayList<>();
    HttpClient http = HttpClient.newHttpClient();
    String jobId = job.client().getJobID().toHexString();
    HostileRecords.Kind[] kinds = HostileRecords.Kind.values();
    long[] hostileSent = {0};
    try (KafkaProducer<byte[], byte[]> producer = LocalJob.producer(kafka)) {
      // Hostile records go out after good batches, from the wearables' thread: the kinds that spoof a device copy
      // the batch just sent, and one thread alone uses the generator.
      AtomicReference<Exception> stopped = new AtomicReference<>();
      Thread wearables = new Thread(() -> {
        try {
          simulator.run(true, (device, batch) -> {
            producer.send(new ProducerRecord<>(EgoStreamTopics.FRAMES, device.getBytes(StandardCharsets.UTF_8),
                batch.toByteArray())).get();
            hostile.observe(batch);
            frames.addAndGet(batch.getFramesCount());
            double due = (System.currentTimeMillis() - start) / 1000.0 * hostilePerSecond;
            for (; hostileSent[0] < due; hostileSent[0]++) {
              HostileRecords.Hostile h = hostile.next(kinds[(int) (hostileSent[0] % kinds.length)]);
              producer.send(new ProducerRecord<>(h.topic(), h.key(), h.value()));
            }
          });
        } catch (Exception e) {
          stopped.set(e);
        }
      }, "wearables");
      wearables.start();
      AtomicBoolean listening = new AtomicBoolean(true);
      Thread listener = new Thread(() -> listen(kafka, listening, clips, latencies), "soak-results");
      listener.setDaemon(true);
      listener.start();

      long queries = 0;
      long lastSample = start;
      long framesAtLast = 0;
      long clipsAtLast = 0;
      long answersSoFar = 0;
      while (wearables.isAlive()) {
        Thread.sleep(100);
        long now = System.currentTimeMillis();
        long elapsed = now - start;
        // A query every few seconds once 20 s are recorded: moment and MCQ in turn, over the last 20 s.
        if (elapsed >= 20_000 && queries <= (elapsed - 20_000) / QUERY_EVERY_MS) {
          producer.send(query(simulator, queries++, now));
        }
        if (now - lastSample >= everyMs) {
          List<Long> sorted = new ArrayList<>();
          for (Long l; (l = latencies.poll()) != null; ) {
            sorted.add(l);
          }
          sorted.sort(null);
          answersSoFar += sorted.size();
          double seconds = (now - lastSample) / 1000.0;
          Sample s = sample((now - start) / 1000.0, (frames.get() - framesAtLast) / seconds,
              (clips.get() - clipsAtLast) / seconds, answersSoFar, sorted, http, rest, jobId);
          samples.add(s);
          print(s, out);
          lastSample = now;
          framesAtLast = frames.get();
          clipsAtLast = clips.get();
        }
      }
      wearables.join();
      if (stopped.get() != null) {
        throw new IllegalStateException("The simulated wearables stopped: " + stopped.get().getMessage(),
            stopped.get());
      }
      // Its consumer closes now, while the broker is up: closed after it, it would warn about a lost connection.
      listening.set(false);
      listener.join();
    }
    return samples;
  }

  /** A moment query over every device, or an MCQ over five 4 s ranges ended 4 to 12 s ago. */
  private ProducerRecord<byte[], byte[]> query(WearableSimulator simulator, long n, long now) {
    String id = String.format(Locale.ROOT, "%s%06d", QUERY_PREFIX, n);
    Query.Builder q = Query.newBuilder().setQueryId(id).setSentTimeMs(now);
    if (n % 2 == 0) {
      q.setMoment(MomentQuery.newBuilder().setText("#C C picks up the cup").setTopK(3));
    } else {
      McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C opens the box");
      List<WearableSimulator.Device> all = simulator.devices();
      for (int i = 0; i < 5; i++) {
        long end = now - 4_000 - 2_000L * i;
        mcq.addChoices(ClipRange.newBuilder().setDeviceId(all.get(i % all.size()).deviceId())
            .setStartMs(end - 4_000).setEndMs(end));
      }
      q.setMcq(mcq);
    }
    return new ProducerRecord<>(EgoStreamTopics.QUERIES, id.getBytes(StandardCharsets.UTF_8),
        q.build().toByteArray());
  }

  /** Counts committed clips and keeps the latency of every answer to a soak query, while {@code listening}. */
  private static void listen(EmbeddedKafka kafka, AtomicBoolean listening, AtomicLong clips,
      ConcurrentLinkedQueue<Long> latencies) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "egostream-soak");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(EgoStreamTopics.EMBEDDINGS, EgoStreamTopics.ANSWERS));
      while (listening.get()) {
        for (var record : consumer.poll(Duration.ofMillis(500))) {
          if (record.topic().equals(EgoStreamTopics.EMBEDDINGS)) {
            clips.incrementAndGet();
          } else {
            Answer a = Answer.parseFrom(record.value());
            if (a.getQueryId().startsWith(QUERY_PREFIX)) {
              latencies.add(a.getLatencyMs());
            }
          }
        }
      }
    } catch (Exception e) {
      // The daemon thread ends with the command; a broken consumer shows as zero clips and answers.
    }
  }

  private static Sample sample(double seconds, double framesPerSecond, double clipsPerSecond, long answers,
      List<Long> latencies, HttpClient http, String rest, String jobId) {
    JsonNode checkpoints = get(http, rest + "/jobs/" + jobId + "/checkpoints");
    JsonNode latest = checkpoints.path("latest").path("completed");
    JsonNode restarts = get(http, rest + "/jobs/" + jobId + "/metrics?get=numRestarts");
    Runtime runtime = Runtime.getRuntime();
    return new Sample(seconds, framesPerSecond, clipsPerSecond, answers,
        latencies.isEmpty() ? 0 : latencies.get(latencies.size() / 2),
        latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1),
        checkpoints.path("counts").path("completed").asLong(), checkpoints.path("counts").path("failed").asLong(),
        latest.path("state_size").asLong(), latest.path("end_to_end_duration").asLong(),
        restarts.path(0).path("value").asLong(-1), ModelBenchmark.residentBytes("VmRSS:"),
        runtime.totalMemory() - runtime.freeMemory());
  }

  /** A JSON document from the local cluster's REST API; a missing node when it cannot be had. */
  private static JsonNode get(HttpClient http, String url) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.missingNode();
    } catch (IOException e) {
      return JSON.missingNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return JSON.missingNode();
    }
  }

  private void print(Sample s, PrintWriter out) {
    if (json) {
      out.println(JSON.valueToTree(s).toString());
    } else {
      out.printf(Locale.ROOT, "%7.0f %8.1f %7.2f %7d %8d %8d %6d %11.1f %8d %8d %9.1f %9.1f%n", s.seconds(),
          s.framesPerSecond(), s.clipsPerSecond(), s.answers(), s.latencyP50Ms(), s.latencyMaxMs(), s.checkpoints(),
          s.checkpointBytes() / 1024.0, s.checkpointMs(), s.restarts(), s.residentBytes() / MIB,
          s.heapUsedBytes() / MIB);
    }
    out.flush();
  }

  /**
   * Whether resident memory and checkpoint size are flat after warm-up: the least-squares slope over the second
   * half of the samples, times that half's span, against {@link #FLAT_SHARE} of the half's mean.
   */
  private void summarize(List<Sample> samples, PrintWriter out) {
    List<Sample> half = samples.subList(samples.size() / 2, samples.size());
    ObjectNode summary = JSON.createObjectNode();
    summary.put("samples", samples.size());
    summary.put("second_half_from_s", half.isEmpty() ? 0 : half.get(0).seconds());
    summary.put("restarts", samples.isEmpty() ? 0 : samples.get(samples.size() - 1).restarts());
    trend(summary.putObject("resident_memory"), half, Sample::residentBytes);
    ObjectNode checkpointSize = summary.putObject("checkpoint_size");
    trend(checkpointSize, half, Sample::checkpointBytes);
    // A size that no new checkpoint updated says nothing: the job was failing or stuck.
    long completed = half.isEmpty() ? 0 : half.get(half.size() - 1).checkpoints() - half.get(0).checkpoints();
    checkpointSize.put("completed_in_half", completed);
    checkpointSize.put("flat", checkpointSize.get("flat").asBoolean() && completed > 0);
    if (json) {
      out.println(summary);
    } else {
      JsonNode rss = summary.get("resident_memory");
      JsonNode ckpt = summary.get("checkpoint_size");
      out.printf(Locale.ROOT, "second half (%d samples from %.0f s): resident memory %.1f MiB mean, %+.2f MiB/min "
              + "(%s); checkpoint size %.1f KiB mean, %+.2f KiB/min (%s); %d restarts%n", half.size(),
          summary.get("second_half_from_s").asDouble(), rss.get("mean").asDouble() / MIB,
          rss.get("slope_per_min").asDouble() / MIB, rss.get("flat").asBoolean() ? "flat" : "GROWING",
          ckpt.get("mean").asDouble() / 1024, ckpt.get("slope_per_min").asDouble() / 1024,
          ckpt.get("completed_in_half").asLong() == 0 ? "no checkpoint completed"
              : ckpt.get("flat").asBoolean() ? "flat" : "GROWING", summary.get("restarts").asLong());
    }
    out.flush();
  }

  private static void trend(ObjectNode node, List<Sample> half, ToLongFunction<Sample> value) {
    int n = half.size();
    double meanT = half.stream().mapToDouble(Sample::seconds).average().orElse(0);
    double meanV = half.stream().mapToDouble(s -> value.applyAsLong(s)).average().orElse(0);
    double covariance = 0;
    double variance = 0;
    for (Sample s : half) {
      covariance += (s.seconds() - meanT) * (value.applyAsLong(s) - meanV);
      variance += (s.seconds() - meanT) * (s.seconds() - meanT);
    }
    double slopePerSecond = variance == 0 ? 0 : covariance / variance;
    double span = n < 2 ? 0 : half.get(n - 1).seconds() - half.get(0).seconds();
    node.put("mean", meanV);
    node.put("slope_per_min", slopePerSecond * 60);
    node.put("growth_over_half", slopePerSecond * span);
    node.put("flat", n >= 2 && slopePerSecond * span <= FLAT_SHARE * meanV);
  }
}
