package io.egostream.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.job.EgoStreamOptions;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.model.ModelBenchmark;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import io.egostream.operators.inference.ModelSource;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.Query;
import io.egostream.simulate.WearableSimulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream bench pipeline}: the whole pipeline as a consumer sees it (simulated wearables → Kafka → the job on
 * a local Flink cluster → Kafka → a read_committed consumer), against the same model alone at the batch size the job
 * ran, measured in the same run.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run simulated wearables at a real frame rate into an embedded broker, the job on a local Flink cluster and",
        "an MCQ every 2 s, and read the results as a read_committed consumer. Prints sustained clips/s and frames/s,",
        "the job's mean batch size, CPU use, the latency from a question's send time (or a clip's end) to the moment",
        "its answer (or embedding) is read, and the model's standalone clips/s at that batch size (overhead ratio)."
    })
final class BenchPipelineCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long QUESTION_EVERY_MS = 2_000;
  /** Recording needed before the first question: its choices are 4 s ranges ended 3 to 7 s before it is asked. */
  private static final long FIRST_QUESTION_MS = 12_000;
  private static final long DRAIN_MS = 30_000;
  private static final String QUESTION_PREFIX = "bench-";

  @Spec CommandSpec spec;

  @Option(names = "--devices", defaultValue = "4", paramLabel = "N",
      description = "Simulated wearables (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
      description = "How long the wearables stream, e.g. 60s or 5m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME",
      description = "Untrained model of this preset, tiny or base (default: ${DEFAULT-VALUE}); not with --model.")
  String preset;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder instead of a preset (its config decides frames and sparsity).")
  Path model;

  @Option(names = "--frames", paramLabel = "T", description = "Frames per clip (default: the preset's).")
  Integer frames;

  @ArgGroup(exclusive = true)
  Modes modes = new Modes();

  static final class Modes {
    @Option(names = "--sparse", description = "The sparse model (the default).")
    boolean sparse;

    @Option(names = "--dense", description = "Its dense baseline: full attention, no token pruning.")
    boolean dense;
  }

  @Option(names = "--fps", defaultValue = "8", paramLabel = "F",
      description = "Frames a second per wearable, 160×120 (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--json", description = "Print one JSON object instead of lines of text.")
  boolean json;

  @Option(names = "-D", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "A job option, as for the job command, e.g. -D sink.answers.delivery-guarantee=at-least-once.")
  Map<String, String> options = Map.of();

  /** What the consumer read: counts and latencies, in wall-clock milliseconds. */
  private static final class Readings {
    final AtomicLong clips = new AtomicLong();
    final AtomicLong clipsInWindow = new AtomicLong();
    final List<Long> clipLatencies = new ArrayList<>();
    final Map<String, Long> sentTimes = new ConcurrentHashMap<>();
    final Map<String, Long> answerLatencies = new ConcurrentHashMap<>();
    /** Embeddings read per keep rate q_v they were made at (load-adaptive sparsity lowers it under load). */
    final Map<Float, AtomicLong> keepRates = new ConcurrentHashMap<>();
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
  }

  @Override
  public Integer call() throws Exception {
    long durationMs = Durations.option(spec, duration, "--duration").toMillis();
    if (durationMs < 10_000 || devices < 1 || fps <= 0) {
      throw new ParameterException(spec.commandLine(), "Invalid value for --duration " + duration + ", --devices "
          + devices + " or --fps " + fps + ": need at least 10 s of streaming, 1 device and a positive frame rate");
    }
    if (model != null && (frames != null || modes.dense || modes.sparse)) {
      throw new ParameterException(spec.commandLine(), "Invalid use of --frames, --sparse or --dense with --model: "
          + "the model folder's config.json decides them (leave them out)");
    }
    SvittConfig config = config();
    Path modelDir = model != null ? model : Files.createTempDirectory("egostream-bench-model");
    try {
      if (model == null) {
        try (SvittEgo untrained = SvittEgo.initialize(config, 0, Device.cpu())) {
          untrained.save(modelDir);
        }
      }
      return run(config, modelDir, durationMs);
    } finally {
      if (model == null) {
        for (String name : SvittEgo.MODEL_FILES) {
          Files.deleteIfExists(modelDir.resolve(name));
        }
        Files.deleteIfExists(modelDir);
      }
    }
  }

  private SvittConfig config() throws IOException {
    if (model != null) {
      return ModelSource.folder(model.toAbsolutePath()).config();
    }
    try {
      SvittConfig sparse = SvittConfig.preset(preset);
      if (frames != null) {
        sparse = sparse.toBuilder().frames(frames).build();
      }
      return modes.dense ? sparse.dense() : sparse;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private int run(SvittConfig config, Path modelDir, long durationMs) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int restPort = EmbeddedKafka.freePort();
    ObjectNode report = JSON.createObjectNode();
    Readings readings = new Readings();
    long frameCount;
    long wallMs;
    long cpuNanos;
    double meanBatch;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(EgoStreamTopics.DEFAULT_FRAME_PARTITIONS);
      Configuration conf = new Configuration();
      for (Map.Entry<String, String> option : options.entrySet()) {
        if (EgoStreamOptions.all().stream().noneMatch(o -> o.key().equals(option.getKey()))) {
          throw new ParameterException(spec.commandLine(), "Unknown job option " + option.getKey()
              + ": bench pipeline takes EgoStream's job options (docs/options.md)");
        }
        conf.setString(option.getKey(), option.getValue());
      }
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.MODEL_DIR, modelDir.toAbsolutePath().toString());
      JobCommand.restOnLoopback(conf); // the batch size comes from the job's metrics, on loopback only
      conf.set(RestOptions.BIND_PORT, String.valueOf(restPort));
      try (LocalJob job = LocalJob.start(spec, conf, "egostream-bench-pipeline")) {
        if (!json) {
          out.printf(Locale.ROOT, "EgoStream pipeline: %d wearables at %s fps for %d s, %s, %d frames, %s; "
                  + "answers %s%n", devices, fps, durationMs / 1000, config.name(), config.frames(),
              config.equals(config.dense()) ? "dense" : "sparse",
              conf.get(EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE));
          out.flush();
        }
        AtomicBoolean listening = new AtomicBoolean(true);
        Thread listener = new Thread(() -> listen(kafka, listening, readings), "bench-results");
        listener.setDaemon(true);
        listener.start();
        long start = System.currentTimeMillis();
        // The first third warms up (model load, first batches, first checkpoint): measured from there to the end.
        long windowFrom = start + durationMs / 3;
        readings.windowFrom = windowFrom;
        readings.windowTo = start + durationMs;
        long[] frameCounts = stream(kafka, start, durationMs, windowFrom, readings);
        frameCount = frameCounts[0];
        wallMs = System.currentTimeMillis() - windowFrom;
        cpuNanos = processCpuNanos() - frameCounts[1];
        long drainUntil = System.currentTimeMillis() + DRAIN_MS;
        while (readings.answerLatencies.size() < frameCounts[2] && System.currentTimeMillis() < drainUntil) {
          Thread.sleep(200);
        }
        report.put("offered_clips_per_second", devices * 1000.0 / conf.get(EgoStreamOptions.CLIP_STRIDE_MS));
        meanBatch = meanBatchSize("http://127.0.0.1:" + restPort, job.client().getJobID().toHexString());
        report.put("questions", frameCounts[2]);
        listening.set(false);
        listener.join();
      }
    }
    double windowSeconds = (readings.windowTo - readings.windowFrom) / 1000.0;
    double clipsPerSecond = readings.clipsInWindow.get() / windowSeconds;
    // The model alone, after the job has stopped, at the batch size the job ran.
    int batch = Double.isNaN(meanBatch) ? 1 : Math.max(1, (int) Math.round(meanBatch));
    boolean dense = config.equals(config.dense());
    // Median of 10 passes: a pass at batch 1 of the tiny model is tens of milliseconds, easily hit by other load.
    ModelBenchmark.Result standalone = ModelBenchmark.run(new ModelBenchmark.Options(config, !dense, dense, batch,
        10));
    double standaloneClips = (dense ? standalone.dense() : standalone.sparse()).clipsPerSecond();

    report.put("devices", devices);
    report.put("fps", fps);
    report.put("duration_s", durationMs / 1000.0);
    report.put("preset", config.name());
    report.put("frames", config.frames());
    report.put("sparse", !dense);
    report.put("answers_delivery_guarantee", options.getOrDefault(
        EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE.key(), EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE.defaultValue()));
    report.put("window_s", windowSeconds);
    report.put("clips_per_second", clipsPerSecond);
    report.put("frames_per_second", frameCount / (wallMs / 1000.0));
    report.put("clips", readings.clips.get());
    report.put("mean_batch_size", Double.isNaN(meanBatch) ? null : meanBatch);
    report.put("standalone_batch_size", batch);
    report.put("standalone_clips_per_second", standaloneClips);
    report.put("overhead_ratio", clipsPerSecond / standaloneClips);
    report.put("cpu_cores_used", cpuNanos / 1e6 / wallMs);
    report.put("available_cores", Runtime.getRuntime().availableProcessors());
    report.put("answers", readings.answerLatencies.size());
    percentiles(report.putObject("latency_ms"), new ArrayList<>(readings.answerLatencies.values()));
    synchronized (readings.clipLatencies) {
      percentiles(report.putObject("embedding_latency_ms"), new ArrayList<>(readings.clipLatencies));
    }
    ObjectNode keepRates = report.putObject("embeddings_per_keep_rate");
    new TreeMap<>(readings.keepRates).forEach((q, n) -> keepRates.put(String.valueOf(q), n.get()));
    if (json) {
      out.println(report);
    } else {
      print(report, out);
    }
    out.flush();
    return 0;
  }

  /**
   * Streams the wearables in real time and asks an MCQ every {@link #QUESTION_EVERY_MS} once enough is recorded.
   * Returns {frames sent from {@code windowFrom} on, this process's CPU time at {@code windowFrom}, questions asked}.
   */
  private long[] stream(EmbeddedKafka kafka, long start, long durationMs, long windowFrom, Readings readings)
      throws Exception {
    WearableSimulator simulator = new WearableSimulator(devices, 1, start, durationMs, 160, 120, fps, 4);
    AtomicLong frames = new AtomicLong();
    AtomicLong cpuAtWindow = new AtomicLong(-1);
    AtomicReference<Exception> stopped = new AtomicReference<>();
    long questions = 0;
    try (KafkaProducer<byte[], byte[]> producer = LocalJob.producer(kafka)) {
      Thread wearables = new Thread(() -> {
        try {
          simulator.run(true, (device, batch) -> {
            producer.send(new ProducerRecord<>(EgoStreamTopics.FRAMES, device.getBytes(StandardCharsets.UTF_8),
                batch.toByteArray())).get();
            if (System.currentTimeMillis() >= windowFrom) {
              frames.addAndGet(batch.getFramesCount());
            }
          });
        } catch (Exception e) {
          stopped.set(e);
        }
      }, "wearables");
      wearables.start();
      while (wearables.isAlive()) {
        Thread.sleep(50);
        long now = System.currentTimeMillis();
        if (now >= windowFrom && cpuAtWindow.get() < 0) {
          cpuAtWindow.set(processCpuNanos());
        }
        if (now - start >= FIRST_QUESTION_MS && questions <= (now - start - FIRST_QUESTION_MS) / QUESTION_EVERY_MS) {
          producer.send(question(simulator, questions++, now, readings));
        }
      }
      wearables.join();
    }
    if (stopped.get() != null) {
      throw new IllegalStateException("The simulated wearables stopped: " + stopped.get().getMessage(),
          stopped.get());
    }
    return new long[] {frames.get(), cpuAtWindow.get(), questions};
  }

  /** An MCQ over five 4 s ranges, ended 3 to 7 s before now, over the wearables in turn. */
  private static ProducerRecord<byte[], byte[]> question(WearableSimulator simulator, long n, long now,
      Readings readings) {
    String id = String.format(Locale.ROOT, "%s%06d", QUESTION_PREFIX, n);
    McqQuery.Builder mcq = McqQuery.newBuilder().setNarration("#C C opens the box");
    List<WearableSimulator.Device> all = simulator.devices();
    for (int i = 0; i < 5; i++) {
      long end = now - 3_000 - 1_000L * i;
      mcq.addChoices(ClipRange.newBuilder().setDeviceId(all.get(i % all.size()).deviceId())
          .setStartMs(end - 4_000).setEndMs(end));
    }
    Query q = Query.newBuilder().setQueryId(id).setSentTimeMs(now).setMcq(mcq).build();
    readings.sentTimes.put(id, now);
    return new ProducerRecord<>(EgoStreamTopics.QUERIES, id.getBytes(StandardCharsets.UTF_8), q.toByteArray());
  }

  /**
   * Reads embeddings and answers as a read_committed consumer, while {@code listening}: an embedding's latency runs
   * from its clip's end (its last frame is captured then, the wearables running on the wall clock), an answer's from
   * its question's send time, both to the moment the consumer reads it. (At-least-once answers are written outside
   * transactions, which read_committed consumers read at once.)
   */
  private static void listen(EmbeddedKafka kafka, AtomicBoolean listening, Readings readings) {
    Map<String, Object> config = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "egostream-bench-pipeline");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(EgoStreamTopics.EMBEDDINGS, EgoStreamTopics.ANSWERS));
      while (listening.get()) {
        var polled = consumer.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        for (var record : polled) {
          if (record.topic().equals(EgoStreamTopics.EMBEDDINGS)) {
            ClipEmbedding clip = ClipEmbedding.parseFrom(record.value());
            readings.clips.incrementAndGet();
            readings.keepRates.computeIfAbsent(clip.getSparsity().getKeepRate(), q -> new AtomicLong())
                .incrementAndGet();
            if (now >= readings.windowFrom && now < readings.windowTo) {
              readings.clipsInWindow.incrementAndGet();
            }
            synchronized (readings.clipLatencies) {
              readings.clipLatencies.add(now - clip.getEndMs());
            }
          } else {
            Answer a = Answer.parseFrom(record.value());
            Long sent = readings.sentTimes.get(a.getQueryId());
            if (sent != null) {
              // The first read counts: an at-least-once repeat after a restart would carry the same id.
              readings.answerLatencies.putIfAbsent(a.getQueryId(), now - sent);
            }
          }
        }
      }
    } catch (Exception e) {
      // The daemon thread ends with the command; a broken consumer shows as zero clips and answers.
    }
  }

  /**
   * The mean of the job's recent batch sizes (its {@code batchSize} histogram), averaged over the subtasks that ran
   * any (an idle one's is NaN); NaN if unknown. The REST API fetches metrics from the task managers every few
   * seconds: a first request may find none yet.
   */
  private static double meanBatchSize(String rest, String jobId) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 30_000;
    do {
      for (JsonNode vertex : get(http, rest + "/jobs/" + jobId).path("vertices")) {
        if (!vertex.path("name").asText().startsWith("embed clips")) {
          continue;
        }
        String subtasks = rest + "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/";
        double sum = 0;
        int ran = 0;
        for (int i = 0; i < vertex.path("parallelism").asInt(); i++) {
          // Operator metrics are named after the operator, its spaces as underscores.
          JsonNode value = get(http, subtasks + i + "/metrics?get="
              + URLEncoder.encode("embed_clips_(SViTT-Ego).batchSize_mean", StandardCharsets.UTF_8));
          double mean = value.path(0).path("value").asDouble(Double.NaN);
          if (!Double.isNaN(mean)) {
            sum += mean;
            ran++;
          }
        }
        if (ran > 0) {
          return sum / ran;
        }
      }
      Thread.sleep(1_000);
    } while (System.currentTimeMillis() < deadline);
    return Double.NaN;
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

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** p50, p95 and p99 (nearest rank) and the count; zeros when there is nothing. */
  private static void percentiles(ObjectNode node, List<Long> values) {
    values.sort(null);
    node.put("count", values.size());
    for (int p : new int[] {50, 95, 99}) {
      node.put("p" + p, values.isEmpty() ? 0
          : values.get(Math.max(0, (int) Math.ceil(p / 100.0 * values.size()) - 1)));
    }
  }

  private static void print(ObjectNode r, PrintWriter out) {
    JsonNode a = r.get("latency_ms");
    JsonNode e = r.get("embedding_latency_ms");
    out.printf(Locale.ROOT, "sustained over the last %.0f s: %.2f clips/s (%.2f offered), %.1f frames/s; mean batch "
            + "%s; CPU %.2f of %d cores%n", r.get("window_s").asDouble(), r.get("clips_per_second").asDouble(),
        r.get("offered_clips_per_second").asDouble(),
        r.get("frames_per_second").asDouble(), r.get("mean_batch_size").isNull() ? "unknown"
            : String.format(Locale.ROOT, "%.2f", r.get("mean_batch_size").asDouble()),
        r.get("cpu_cores_used").asDouble(), r.get("available_cores").asInt());
    out.printf(Locale.ROOT, "model alone at batch %d: %.2f clips/s; pipeline ÷ standalone = %.2f%n",
        r.get("standalone_batch_size").asInt(), r.get("standalone_clips_per_second").asDouble(),
        r.get("overhead_ratio").asDouble());
    out.printf(Locale.ROOT, "answers read (%d of %d questions): p50 %d ms, p95 %d ms, p99 %d ms%n",
        a.get("count").asInt(), r.get("questions").asLong(), a.get("p50").asLong(), a.get("p95").asLong(),
        a.get("p99").asLong());
    out.printf(Locale.ROOT, "embeddings read (%d): p50 %d ms, p95 %d ms, p99 %d ms after the clip's end%n",
        e.get("count").asInt(), e.get("p50").asLong(), e.get("p95").asLong(), e.get("p99").asLong());
    out.printf(Locale.ROOT, "embeddings per keep rate q_v: %s%n", r.get("embeddings_per_keep_rate"));
  }
}
