package io.egostream.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.StreamSupport;
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
 * ran, measured in the same run. Latency is split into stages by the wall-clock stamps each embedding carries; a
 * progress line every few seconds shows throughput, backlog and latency over time (overload); a list of device counts
 * runs one after another and finds the most wearables served.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run simulated wearables at a real frame rate into an embedded broker, the job on a local Flink cluster and",
        "an MCQ every 2 s, and read the results as a read_committed consumer. Prints sustained clips/s and frames/s,",
        "the job's mean batch size, CPU use, the latency from a question's send time (or a clip's end) to the moment",
        "its answer (or embedding) is read, split into stages, the backlog's growth, and the model's standalone",
        "clips/s at that batch size (overhead ratio). A progress line every 5 s shows the run as it goes.",
        "With a list of device counts (--devices 4,8,16) it runs once per count and prints one row each and the",
        "most wearables served: no growing backlog and embedding p99 within --p99-target. --both (sparse, then",
        "dense) or --vs NAME=VALUE (as configured, then with that job option) runs each count twice, one after the",
        "other, and --chart draws both."
    })
final class BenchPipelineCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long QUESTION_EVERY_MS = 2_000;
  /** Recording needed before the first question: its choices are 4 s ranges ended 3 to 7 s before it is asked. */
  private static final long FIRST_QUESTION_MS = 12_000;
  private static final long DRAIN_MS = 30_000;
  /** How long the job's tasks may take to open (base loads four copies of its weights) before the run gives up. */
  private static final long OPEN_TIMEOUT_MS = 600_000;
  private static final long PROGRESS_EVERY_MS = 5_000;
  /**
   * A backlog growing by at most this share of the offered clips/s counts as not growing: the embedded count moves
   * in batches, so a run that keeps up still shows a small difference over a short window.
   */
  private static final double GROWTH_TOLERANCE = 0.1;
  private static final String QUESTION_PREFIX = "bench-";
  private static final List<String> STAGES = List.of("watermark", "queue", "inference", "commit");
  private static final List<String> ANSWER_STAGES = List.of("ingest", "job", "commit");

  @Spec CommandSpec spec;

  @Option(names = "--devices", defaultValue = "4", paramLabel = "N[,N...]", split = ",",
      description = "Simulated wearables; a comma-separated list runs once per count, one after another "
          + "(default: ${DEFAULT-VALUE}).")
  List<Integer> devices;

  @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
      description = "How long the wearables stream (per count), e.g. 60s or 5m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME",
      description = "Untrained model of this preset, tiny or base (default: ${DEFAULT-VALUE}); not with --model.")
  String preset;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model folder instead of a preset (its config decides frames and sparsity).")
  Path model;

  @Option(names = "--frames", paramLabel = "T", description = "Frames per clip (default: the preset's).")
  Integer frames;

  @Option(names = "--keep-rate", paramLabel = "Q",
      description = "Token keep rate q_v of the sparse model (default: 0.7 up to 4 frames, 0.6 above, as in the "
          + "paper's curriculum and bench model).")
  Float keepRate;

  @ArgGroup(exclusive = true)
  Modes modes = new Modes();

  static final class Modes {
    @Option(names = "--sparse", description = "The sparse model (the default).")
    boolean sparse;

    @Option(names = "--dense", description = "Its dense baseline: full attention, no token pruning.")
    boolean dense;

    @Option(names = "--both", description = "Each count of wearables twice: sparse, then dense.")
    boolean both;
  }

  @Option(names = "--fps", defaultValue = "8", paramLabel = "F",
      description = "Frames a second per wearable, 160×120 (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--no-questions", description = "Ask no MCQ, so that every model call embeds the stream: a slow "
      + "model (base) spends most of its time on the five choices of a question every 2 s.")
  boolean noQuestions;

  @Option(names = "--p99-target", defaultValue = "3s", paramLabel = "DURATION",
      description = "Embedding p99 a count of wearables must stay within to count as served (default: "
          + "${DEFAULT-VALUE}).")
  String p99Target;

  @Option(names = "--vs", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "Each count of wearables twice: as configured, then with these job options too, e.g. "
          + "--vs inference.adaptive.enabled=true (not with --both).")
  Map<String, String> vs = Map.of();

  @Option(names = "--chart", paramLabel = "FILE",
      description = "Also draw a PNG chart there: clips/s embedded and offered and the embedding p99 against "
          + "wearables for a list of counts, over time (the progress lines) for one; with --both or --vs, each "
          + "variant's.")
  Path chart;

  @Option(names = "--json", description = "Print one JSON object instead of lines of text (progress lines go to "
      + "standard error).")
  boolean json;

  @Option(names = "-D", paramLabel = "NAME=VALUE", mapFallbackValue = "",
      description = "A job option, as for the job command, e.g. -D sink.answers.delivery-guarantee=at-least-once.")
  Map<String, String> options = Map.of();

  /**
   * One embedding as the consumer read it: its clip's end (when its last frame was captured), the capture and the
   * job's read of the newest frame the model saw, the job's stamps and the read time, all wall-clock ms.
   */
  private record ClipReading(long endMs, long newestFrameMs, long ingestMs, long emitMs, long inferenceStartMs,
      long inferenceEndMs, long readMs) {
    long latency() {
      return readMs - endMs;
    }

    /** From the capture of the newest frame the model saw to the job reading it: Kafka, and any backpressure. */
    long frameIngest() {
      return ingestMs - newestFrameMs;
    }

    /** The latency's stages, in {@link #STAGES} order: they add up to {@link #latency()}. */
    long[] stages() {
      return new long[] {emitMs - endMs, inferenceStartMs - emitMs, inferenceEndMs - inferenceStartMs,
          readMs - inferenceEndMs};
    }
  }

  /**
   * One answer as the consumer read it: when its question was sent, when the job had read both it and the newest
   * frame it needed (its made-at time less its in-job latency), when the job made it and when it was read.
   */
  private record AnswerReading(long sentMs, long ingestMs, long madeMs, long readMs) {
    long latency() {
      return readMs - sentMs;
    }

    /** The latency's stages, in {@link #ANSWER_STAGES} order: they add up to {@link #latency()}. */
    long[] stages() {
      return new long[] {ingestMs - sentMs, madeMs - ingestMs, readMs - madeMs};
    }
  }

  /** What the wearables sent and the consumer read, in wall-clock milliseconds. */
  private static final class Readings {
    final List<ClipReading> clips = new ArrayList<>(); // guarded by itself
    final Map<String, Long> sentTimes = new ConcurrentHashMap<>();
    final Map<String, AnswerReading> answers = new ConcurrentHashMap<>();
    final AtomicLong framesSent = new AtomicLong();
    /** Embeddings read per keep rate q_v they were made at (load-adaptive sparsity lowers it under load). */
    final Map<Float, AtomicLong> keepRates = new ConcurrentHashMap<>();
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
    /** How long after the recording's end its last frame was sent: the simulator's own lag behind real time. */
    volatile long wearablesLagMs;

    List<ClipReading> clips() {
      synchronized (clips) {
        return new ArrayList<>(clips);
      }
    }
  }

  /** The clip windows a number of devices offers: the job's aligned windows, as far as the frames sent reach. */
  private record Offer(int devices, long startMs, double fps, long clipMs, long strideMs) {
    /** Clips offered once {@code framesSent} frames (all devices) are sent: windows closed by the newest frame. */
    long clips(long framesSent) {
      long perDevice = framesSent / devices;
      if (perDevice < 1) {
        return 0;
      }
      long newest = startMs + Math.round((perDevice - 1) * 1000.0 / fps);
      long windows = Math.floorDiv(newest + 1 - clipMs, strideMs) - Math.floorDiv(startMs - clipMs, strideMs);
      return devices * Math.max(0, windows);
    }
  }

  @Override
  public Integer call() throws Exception {
    JobOptionFlags.check(spec, options);
    long durationMs = Durations.option(spec, duration, "--duration").toMillis();
    long targetMs = Durations.option(spec, p99Target, "--p99-target").toMillis();
    if (durationMs < 10_000 || devices.stream().anyMatch(n -> n < 1) || fps <= 0) {
      throw new ParameterException(spec.commandLine(), "Invalid value for --duration " + duration + ", --devices "
          + devices + " or --fps " + fps + ": need at least 10 s of streaming, 1 device and a positive frame rate");
    }
    if (model != null && (frames != null || keepRate != null || modes.dense || modes.sparse || modes.both)) {
      throw new ParameterException(spec.commandLine(), "Invalid use of --frames, --keep-rate, --sparse, --dense or "
          + "--both with --model: the model folder's config.json decides them (leave them out)");
    }
    JobOptionFlags.check(spec, vs);
    EvalOptionChecks.checkFolder(spec, "--chart", chart); // before the runs, not after minutes of them
    if (modes.both && !vs.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "Invalid use of --both with --vs: each compares two "
          + "variants of a run; use one of them");
    }
    List<Variant> variants = variants(config());
    Map<SvittConfig, Path> modelDirs = new LinkedHashMap<>();
    try {
      for (Variant v : variants) {
        if (!modelDirs.containsKey(v.config())) {
          modelDirs.put(v.config(), model != null ? model : untrainedModel(v.config()));
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      // Count by count, the variants one after the other: a pair's runs are as close in time as they can be.
      Map<Variant, List<ObjectNode>> runs = new LinkedHashMap<>();
      for (int n : devices) {
        for (Variant v : variants) {
          if (!json && variants.size() > 1) {
            out.println("variant: " + v.label());
          }
          ObjectNode run = run(v, modelDirs.get(v.config()), durationMs, n, targetMs);
          runs.computeIfAbsent(v, k -> new ArrayList<>()).add(run);
          if (!json) {
            print(run, out);
            out.flush();
          }
        }
      }
      List<ObjectNode> results = new ArrayList<>();
      for (Variant v : variants) {
        ObjectNode result = devices.size() == 1 ? runs.get(v).get(0) : sweep(runs.get(v), targetMs);
        if (variants.size() > 1) {
          result.put("variant", v.label());
        }
        if (!json && devices.size() > 1) {
          if (variants.size() > 1) {
            out.println("variant: " + v.label());
          }
          printSweep(result, out);
        }
        results.add(result);
      }
      ObjectNode printed = results.size() == 1 ? results.get(0) : JSON.createObjectNode();
      if (results.size() > 1) {
        printed.putArray("variants").addAll(results);
      }
      if (chart != null) {
        if (devices.size() == 1) {
          chartOverTime(results);
        } else {
          chartAgainstDevices(results);
        }
        printed.put("chart", chart.toString());
      }
      if (json) {
        out.println(printed);
      } else if (chart != null) {
        out.println((devices.size() == 1 ? "chart of the run over time: " : "chart against wearables: ") + chart);
      }
      out.flush();
      return 0;
    } finally {
      if (model == null) {
        for (Path dir : modelDirs.values()) {
          for (String name : SvittEgo.MODEL_FILES) {
            Files.deleteIfExists(dir.resolve(name));
          }
          Files.deleteIfExists(dir);
        }
      }
    }
  }

  /** One configuration of a run: the model and the job options it runs with, named for the output. */
  private record Variant(String label, SvittConfig config, Map<String, String> options) {}

  /** The run as configured, and with --both its dense baseline, with --vs the run with those options too. */
  private List<Variant> variants(SvittConfig config) {
    boolean dense = config.equals(config.dense());
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant(dense ? "dense" : modes.both ? "sparse" : "as configured", config, options));
    if (modes.both) {
      variants.add(new Variant("dense", config.dense(), options));
    } else if (!vs.isEmpty()) {
      Map<String, String> with = new TreeMap<>(options);
      with.putAll(vs);
      variants.add(new Variant(String.join(" ", new TreeMap<>(vs).entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).toList()), config, with));
    }
    return variants;
  }

  /** A model folder holding an untrained model of {@code config} (seed 0: a dense variant has the same weights). */
  private static Path untrainedModel(SvittConfig config) throws IOException {
    Path dir = Files.createTempDirectory("egostream-bench-model");
    try (SvittEgo untrained = SvittEgo.initialize(config, 0, Device.cpu())) {
      untrained.save(dir);
    }
    return dir;
  }

  /** A sweep's runs, one per count of wearables, and the most wearables served. */
  private static ObjectNode sweep(List<ObjectNode> runs, long targetMs) {
    ObjectNode sweep = JSON.createObjectNode();
    sweep.put("p99_target_ms", targetMs);
    sweep.put("max_devices_served", runs.stream().filter(r -> r.get("served").asBoolean())
        .mapToInt(r -> r.get("devices").asInt()).max().orElse(0));
    sweep.putArray("sweep").addAll(runs);
    return sweep;
  }

  private SvittConfig config() throws IOException {
    if (model != null) {
      return ModelSource.folder(model.toAbsolutePath()).config();
    }
    try {
      SvittConfig named = SvittConfig.preset(preset);
      int t = frames != null ? frames : named.frames();
      SvittConfig sparse = named.toBuilder().frames(t)
          .keepRate(keepRate != null ? keepRate : BenchModelCommand.curriculumKeepRate(t)).build();
      return modes.dense ? sparse.dense() : sparse;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** One run with {@code deviceCount} wearables: its report. */
  private ObjectNode run(Variant variant, Path modelDir, long durationMs, int deviceCount, long targetMs)
      throws Exception {
    SvittConfig config = variant.config();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progressOut = json ? spec.commandLine().getErr() : out;
    int restPort = EmbeddedKafka.freePort();
    ObjectNode report = JSON.createObjectNode();
    Readings readings = new Readings();
    long[] frameCounts;
    long wallMs;
    long cpuNanos;
    double meanBatch;
    Offer offer;
    long offeredAtFrom;
    long offeredAtTo;
    ArrayNode progress = JSON.createArrayNode();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
      kafka.createEgoStreamTopics(EgoStreamTopics.DEFAULT_FRAME_PARTITIONS);
      Configuration conf = JobOptionFlags.configuration(spec, variant.options());
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.MODEL_DIR, modelDir.toAbsolutePath().toString());
      JobCommand.restOnLoopback(conf); // the batch size comes from the job's metrics, on loopback only
      conf.set(RestOptions.BIND_PORT, String.valueOf(restPort));
      try (LocalJob job = LocalJob.start(spec, conf, "egostream-bench-pipeline")) {
        if (!json) {
          out.printf(Locale.ROOT, "EgoStream pipeline: %d wearables at %s fps for %d s, %s, %d frames, %s; "
                  + "answers %s, embeddings %s%n", deviceCount, fps, durationMs / 1000, config.name(), config.frames(),
              config.equals(config.dense()) ? "dense" : "sparse",
              conf.get(EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE),
              conf.get(EgoStreamOptions.EMBEDDINGS_DELIVERY_GUARANTEE));
          out.flush();
        }
        // The wearables start once every task has opened (the models loaded: half a minute for base), so that the
        // run measures the job serving them, not a backlog of the job's start it never had the margin to drain.
        long openedIn = awaitRunning("http://127.0.0.1:" + restPort, job.client().getJobID().toHexString());
        progressOut.printf(Locale.ROOT, "job running, every task open, %.1f s after submission%n", openedIn / 1000.0);
        progressOut.flush();
        AtomicBoolean listening = new AtomicBoolean(true);
        Thread listener = new Thread(() -> listen(kafka, listening, readings), "bench-results");
        listener.setDaemon(true);
        listener.start();
        // Every frame rendered and encoded before the clock starts: a wearable encodes its own frames, so encoding them
        // here too would bench the simulator, not the job (it took half a core at 48 wearables).
        // They stream on past the window's end for the watermark's out-of-orderness and a second more: the window's
        // last clips then close on later frames, as every other clip does, not on the source going idle.
        long tailMs = conf.get(EgoStreamOptions.OUT_OF_ORDERNESS_MS) + 1_000;
        long captureFrom = System.currentTimeMillis();
        WearableSimulator captured = new WearableSimulator(deviceCount, 1, captureFrom, durationMs + tailMs, 160, 120,
            fps, 4);
        long jpegBytes = captured.capture();
        progressOut.printf(Locale.ROOT, "wearables' frames rendered and encoded ahead: %.0f MB of JPEG in %.1f s%n",
            jpegBytes / 1e6, (System.currentTimeMillis() - captureFrom) / 1000.0);
        progressOut.flush();
        long start = System.currentTimeMillis();
        WearableSimulator simulator = captured.startingAt(start);
        offer = new Offer(deviceCount, start, fps, conf.get(EgoStreamOptions.CLIP_LENGTH_MS),
            conf.get(EgoStreamOptions.CLIP_STRIDE_MS));
        // The first third warms up (model load, first batches, first checkpoint): measured from there to the end.
        long windowFrom = start + durationMs / 3;
        readings.windowFrom = windowFrom;
        readings.windowTo = start + durationMs;
        Thread reporter = new Thread(() -> reportProgress(start, offer, readings, listening, progress, progressOut),
            "bench-progress");
        reporter.setDaemon(true);
        reporter.start();
        long[] offeredAt = {0, -1};
        frameCounts = stream(kafka, simulator, start, durationMs, tailMs, windowFrom, readings, offer, offeredAt);
        offeredAtFrom = offeredAt[0];
        offeredAtTo = offeredAt[1];
        wallMs = System.currentTimeMillis() - windowFrom;
        cpuNanos = processCpuNanos() - frameCounts[1];
        // Drain: every question answered, and at least two checkpoints' commits, so that every clip embedded while
        // the wearables streamed is read (a run that fell behind drains no longer than DRAIN_MS).
        long drainFrom = System.currentTimeMillis();
        long drainUntil = drainFrom + DRAIN_MS;
        long commitsBy = drainFrom + 2 * conf.get(EgoStreamOptions.CHECKPOINT_INTERVAL_MS);
        while ((readings.answers.size() < frameCounts[2] || System.currentTimeMillis() < commitsBy)
            && System.currentTimeMillis() < drainUntil) {
          Thread.sleep(200);
        }
        meanBatch = meanBatchSize("http://127.0.0.1:" + restPort, job.client().getJobID().toHexString());
        report.put("questions", frameCounts[2]);
        listening.set(false);
        listener.join();
        reporter.join();
      }
    }
    double windowSeconds = (readings.windowTo - readings.windowFrom) / 1000.0;
    List<ClipReading> clips = readings.clips();
    // Measured after warm-up: clips whose last frame was captured in the window, questions sent in it; throughput
    // by the job's inference stamps, which (unlike read times) do not move in steps of the checkpoint interval.
    List<ClipReading> measured = clips.stream()
        .filter(c -> c.endMs() >= readings.windowFrom && c.endMs() < readings.windowTo).toList();
    long embeddedInWindow = clips.stream()
        .filter(c -> c.inferenceEndMs() >= readings.windowFrom && c.inferenceEndMs() < readings.windowTo).count();
    long embeddedByEnd = clips.stream().filter(c -> c.inferenceEndMs() < readings.windowTo).count();
    List<AnswerReading> answers = readings.answers.values().stream()
        .filter(a -> a.sentMs() >= readings.windowFrom && a.sentMs() < readings.windowTo).toList();
    double clipsPerSecond = embeddedInWindow / windowSeconds;
    double offeredPerSecond = (offeredAtTo - offeredAtFrom) / windowSeconds;
    // The model alone, after the job has stopped, at the batch size the job ran.
    int batch = Double.isNaN(meanBatch) ? 1 : Math.max(1, (int) Math.round(meanBatch));
    boolean dense = config.equals(config.dense());
    // Median of 10 passes: a pass at batch 1 of the tiny model is tens of milliseconds, easily hit by other load.
    ModelBenchmark.Result standalone = ModelBenchmark.run(new ModelBenchmark.Options(config, !dense, dense, batch,
        10));
    double standaloneClips = (dense ? standalone.dense() : standalone.sparse()).clipsPerSecond();

    report.put("devices", deviceCount);
    report.put("fps", fps);
    report.put("duration_s", durationMs / 1000.0);
    report.put("preset", config.name());
    report.put("frames", config.frames());
    report.put("sparse", !dense);
    report.put("keep_rate", config.keepRate());
    report.put("answers_delivery_guarantee", variant.options().getOrDefault(
        EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE.key(), EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE.defaultValue()));
    report.put("embeddings_delivery_guarantee", variant.options().getOrDefault(
        EgoStreamOptions.EMBEDDINGS_DELIVERY_GUARANTEE.key(),
        EgoStreamOptions.EMBEDDINGS_DELIVERY_GUARANTEE.defaultValue()));
    report.put("window_s", windowSeconds);
    report.put("clips_per_second", clipsPerSecond);
    report.put("offered_clips_per_second", offeredPerSecond);
    report.put("nominal_offered_clips_per_second", offer.devices() * 1000.0 / offer.strideMs());
    report.put("wearables_lag_s", readings.wearablesLagMs / 1000.0);
    report.put("backlog_clips_per_second", offeredPerSecond - clipsPerSecond);
    report.put("backlog_clips", offeredAtTo - embeddedByEnd);
    report.put("frames_per_second", frameCounts[0] / windowSeconds);
    report.put("clips", clips.size());
    report.put("mean_batch_size", Double.isNaN(meanBatch) ? null : meanBatch);
    report.put("standalone_batch_size", batch);
    report.put("standalone_clips_per_second", standaloneClips);
    report.put("overhead_ratio", clipsPerSecond / standaloneClips);
    report.put("cpu_cores_used", cpuNanos / 1e6 / wallMs);
    report.put("available_cores", Runtime.getRuntime().availableProcessors());
    report.put("answers", answers.size());
    percentiles(report.putObject("latency_ms"), answers.stream().map(AnswerReading::latency).toList());
    stages(report.putObject("answer_stage_ms"), ANSWER_STAGES, answers.stream().map(AnswerReading::stages).toList());
    percentiles(report.putObject("embedding_latency_ms"), measured.stream().map(ClipReading::latency).toList());
    stages(report.putObject("stage_ms"), STAGES, measured.stream().map(ClipReading::stages).toList());
    percentiles(report.putObject("frame_ingest_ms"), measured.stream().map(ClipReading::frameIngest).toList());
    report.put("peak_rss_mb", StreamSupport.stream(progress.spliterator(), false)
        .mapToLong(p -> p.get("rss_mb").asLong()).max().orElse(rssMb()));
    report.put("peak_heap_after_gc_mb", StreamSupport.stream(progress.spliterator(), false)
        .mapToLong(p -> p.get("heap_after_gc_mb").asLong()).max().orElse(heapAfterGcMb()));
    report.put("p99_target_ms", targetMs);
    // Served: the wearables offered what was asked (the simulator runs on the same machine and may fall behind), the
    // backlog did not grow, and the embeddings' p99 is within the target.
    report.put("served", offeredPerSecond >= (1 - GROWTH_TOLERANCE) * offer.devices() * 1000.0 / offer.strideMs()
        && offeredPerSecond - clipsPerSecond <= GROWTH_TOLERANCE * offeredPerSecond && !measured.isEmpty()
        && report.get("embedding_latency_ms").get("p99").asLong() <= targetMs);
    ObjectNode keepRates = report.putObject("embeddings_per_keep_rate");
    new TreeMap<>(readings.keepRates).forEach((q, c) -> keepRates.put(String.valueOf(q), c.get()));
    report.set("progress", progress);
    return report;
  }

  /**
   * Streams the wearables in real time (the window's {@code durationMs}, then {@code tailMs} more) and, unless
   * {@link #noQuestions}, asks an MCQ every {@link #QUESTION_EVERY_MS} once enough is recorded, until the window's end.
   * Returns {frames sent in the window from {@code windowFrom} on, this process's CPU time at {@code windowFrom},
   * questions asked};
   * {@code offeredAt} gets the clips offered at {@code windowFrom} and at the window's end (wall clock).
   */
  private long[] stream(EmbeddedKafka kafka, WearableSimulator simulator, long start, long durationMs, long tailMs,
      long windowFrom, Readings readings, Offer offer, long[] offeredAt) throws Exception {
    AtomicLong frames = new AtomicLong();
    AtomicLong cpuAtWindow = new AtomicLong(-1);
    AtomicReference<Exception> stopped = new AtomicReference<>();
    long questions = 0;
    try (KafkaProducer<byte[], byte[]> producer = LocalJob.producer(kafka)) {
      Thread wearables = new Thread(() -> {
        try {
          simulator.run(true, (device, batch) -> {
            // Not waiting for each record's acknowledgement: with dozens of wearables that alone fell behind.
            if (stopped.get() != null) {
              throw stopped.get();
            }
            producer.send(new ProducerRecord<>(EgoStreamTopics.FRAMES, device.getBytes(StandardCharsets.UTF_8),
                batch.toByteArray()), (sent, e) -> {
                  if (e != null) {
                    stopped.compareAndSet(null, e);
                  }
                });
            readings.framesSent.addAndGet(batch.getFramesCount());
            long now = System.currentTimeMillis();
            if (now >= windowFrom && now < start + durationMs) {
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
          offeredAt[0] = offer.clips(readings.framesSent.get());
        }
        if (now >= start + durationMs && offeredAt[1] < 0) { // the window's end, though the wearables lag
          offeredAt[1] = offer.clips(readings.framesSent.get());
        }
        if (!noQuestions && now - start >= FIRST_QUESTION_MS && now < start + durationMs
            && questions <= (now - start - FIRST_QUESTION_MS) / QUESTION_EVERY_MS) {
          producer.send(question(simulator, questions++, now, readings));
        }
      }
      wearables.join();
      producer.flush();
      if (offeredAt[1] < 0) {
        offeredAt[1] = offer.clips(readings.framesSent.get());
      }
      readings.wearablesLagMs = System.currentTimeMillis() - (start + durationMs + tailMs);
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
            readings.keepRates.computeIfAbsent(clip.getSparsity().getKeepRate(), q -> new AtomicLong())
                .incrementAndGet();
            synchronized (readings.clips) {
              long newestFrame = clip.getFrameTimesMsCount() == 0 ? clip.getEndMs()
                  : clip.getFrameTimesMs(clip.getFrameTimesMsCount() - 1);
              readings.clips.add(new ClipReading(clip.getEndMs(), newestFrame, clip.getIngestTimeMs(),
                  clip.getEmitTimeMs(),
                  clip.getInferenceStartTimeMs(), clip.getInferenceEndTimeMs(), now));
            }
          } else {
            Answer a = Answer.parseFrom(record.value());
            Long sent = readings.sentTimes.get(a.getQueryId());
            if (sent != null) {
              // The first read counts: an at-least-once repeat after a restart would carry the same id.
              readings.answers.putIfAbsent(a.getQueryId(), new AnswerReading(sent,
                  a.getAnswerTimeMs() - a.getLatencyMs(), a.getAnswerTimeMs(), now));
            }
          }
        }
      }
    } catch (Exception e) {
      // The daemon thread ends with the command; a broken consumer shows as zero clips and answers.
    }
  }

  /**
   * Every {@link #PROGRESS_EVERY_MS} while {@code listening}: a line with the time since the start, the clips/s read
   * and offered in the interval, the backlog (clips offered so far less clips read so far: it includes those waiting
   * for their commit), the interval's embedding p99 and this process's resident memory; each also goes to
   * {@code progress}.
   */
  private static void reportProgress(long start, Offer offer, Readings readings, AtomicBoolean listening,
      ArrayNode progress, PrintWriter out) {
    long lastAt = start;
    long lastFrames = 0;
    int lastRead = 0;
    try {
      while (listening.get()) {
        long next = lastAt + PROGRESS_EVERY_MS;
        while (listening.get() && System.currentTimeMillis() < next) {
          Thread.sleep(100);
        }
        if (!listening.get()) {
          return;
        }
        long now = System.currentTimeMillis();
        List<ClipReading> clips = readings.clips();
        long framesSent = readings.framesSent.get();
        long offered = offer.clips(framesSent);
        double seconds = (now - lastAt) / 1000.0;
        List<Long> latencies = clips.subList(lastRead, clips.size()).stream().map(ClipReading::latency).toList();
        ObjectNode line = JSON.createObjectNode();
        line.put("elapsed_s", (now - start) / 1000.0);
        line.put("clips_per_second", (clips.size() - lastRead) / seconds);
        // From frames, not whole windows: the wearables close their windows in step, every clip.stride.ms.
        line.put("offered_clips_per_second", (framesSent - lastFrames) / seconds * 1000.0 / offer.fps()
            / offer.strideMs());
        line.put("backlog_clips", offered - clips.size());
        percentiles(line.putObject("embedding_latency_ms"), latencies);
        line.put("rss_mb", rssMb());
        line.put("heap_after_gc_mb", heapAfterGcMb());
        synchronized (progress) {
          progress.add(line);
        }
        out.printf(Locale.ROOT, "[%5.0f s] embedded %.2f clips/s, offered %.2f, backlog %d clips, embedding p99 %s,"
                + " rss %d MB, heap after GC %d MB%n", line.get("elapsed_s").asDouble(),
            line.get("clips_per_second").asDouble(), line.get("offered_clips_per_second").asDouble(),
            line.get("backlog_clips").asLong(),
            latencies.isEmpty() ? "-" : line.get("embedding_latency_ms").get("p99").asLong() + " ms",
            line.get("rss_mb").asLong(), line.get("heap_after_gc_mb").asLong());
        out.flush();
        lastAt = now;
        lastFrames = framesSent;
        lastRead = clips.size();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

  /**
   * Waits until every subtask of the job is RUNNING (past opening its operators) and returns how long that took;
   * throws after {@link #OPEN_TIMEOUT_MS}.
   */
  private static long awaitRunning(String rest, String jobId) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    long from = System.currentTimeMillis();
    while (System.currentTimeMillis() < from + OPEN_TIMEOUT_MS) {
      JsonNode vertices = get(http, rest + "/jobs/" + jobId).path("vertices");
      boolean running = !vertices.isEmpty();
      for (JsonNode vertex : vertices) {
        running &= vertex.path("tasks").path("RUNNING").asInt() == vertex.path("parallelism").asInt();
      }
      if (running) {
        return System.currentTimeMillis() - from;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("The job's tasks were not all running " + OPEN_TIMEOUT_MS / 1000 + " s after "
        + "submission (see the log above for why: a model that does not load, or memory)");
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

  /** This process's resident memory (MB, from /proc/self/status); -1 where there is no such file. */
  private static long rssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: unknown
    }
    return -1;
  }

  /**
   * The Java heap in use after the last garbage collection (MB, summed over the heap's pools): what is live, unlike
   * the resident size, which grows with the heap the JVM has reserved.
   */
  private static long heapAfterGcMb() {
    long bytes = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        bytes += pool.getCollectionUsage().getUsed();
      }
    }
    return bytes / (1024 * 1024);
  }

  /** p50, p95 and p99 (nearest rank), the mean and the count; zeros when there is nothing. */
  private static void percentiles(ObjectNode node, List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    node.put("count", sorted.size());
    for (int p : new int[] {50, 95, 99}) {
      node.put("p" + p, sorted.isEmpty() ? 0
          : sorted.get(Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
    }
    node.put("mean", sorted.stream().mapToLong(Long::longValue).average().orElse(0));
  }

  /** Per stage (named in order), the percentiles of its column of {@code rows}. */
  private static void stages(ObjectNode node, List<String> names, List<long[]> rows) {
    for (int s = 0; s < names.size(); s++) {
      int column = s;
      percentiles(node.putObject(names.get(s)), rows.stream().map(r -> r[column]).toList());
    }
  }

  /** The --chart of one count of wearables: each variant's progress lines, over time. */
  private void chartOverTime(List<ObjectNode> runs) throws IOException {
    LineChart over = chart("seconds since the start");
    for (ObjectNode run : runs) {
      for (JsonNode line : run.get("progress")) {
        point(over, run, run == runs.get(0), line.get("elapsed_s").asDouble(), line.get("clips_per_second").asDouble(),
            line.get("offered_clips_per_second").asDouble(), p99Seconds(line.get("embedding_latency_ms")));
      }
    }
    JsonNode first = runs.get(0);
    over.write(chart, String.format(Locale.ROOT, "bench pipeline: %d wearables, %s, %d frames%s",
        first.get("devices").asInt(), first.get("preset").asText(), first.get("frames").asInt(), modeInTitle(runs)));
  }

  /** The --chart of a sweep: each variant's point per count of wearables. */
  private void chartAgainstDevices(List<ObjectNode> sweeps) throws IOException {
    LineChart against = chart("simulated wearables");
    for (ObjectNode sweep : sweeps) {
      for (JsonNode run : sweep.get("sweep")) {
        point(against, sweep, sweep == sweeps.get(0), run.get("devices").asDouble(),
            run.get("clips_per_second").asDouble(), run.get("offered_clips_per_second").asDouble(),
            p99Seconds(run.get("embedding_latency_ms")));
      }
    }
    JsonNode first = sweeps.get(0).get("sweep").get(0);
    against.write(chart, String.format(Locale.ROOT, "bench pipeline: %s, %d frames%s, %.0f s a count",
        first.get("preset").asText(), first.get("frames").asInt(),
        modeInTitle(sweeps.stream().map(w -> w.get("sweep").get(0)).toList()), first.get("duration_s").asDouble()));
  }

  private static LineChart chart(String xLabel) {
    return new LineChart(xLabel, "clips/s", "embedding p99 (s), consumer-visible");
  }

  /**
   * A point of each line of a variant, named by its label when there are several; the offered clips/s only for the
   * first variant (the wearables offer the same to each).
   */
  private static void point(LineChart chart, JsonNode variant, boolean first, double x, double embedded,
      double offered, double p99) {
    String of = variant.has("variant") ? ", " + variant.get("variant").asText() : "";
    chart.left("embedded clips/s" + of, x, embedded);
    if (first) {
      chart.left("offered clips/s", x, offered);
    }
    chart.right("embedding p99 (s)" + of, x, p99);
  }

  /** ", sparse" or ", dense" when every run has that mode; empty when they differ (the legend names them). */
  private static String modeInTitle(List<? extends JsonNode> runs) {
    long sparse = runs.stream().filter(r -> r.get("sparse").asBoolean()).count();
    return sparse == runs.size() ? ", sparse" : sparse == 0 ? ", dense" : "";
  }

  /** A latency summary's p99 in seconds for a chart; NaN (no point) when nothing was measured. */
  private static double p99Seconds(JsonNode latency) {
    return latency.get("count").asInt() == 0 ? Double.NaN : latency.get("p99").asDouble() / 1000;
  }

  private static void print(ObjectNode r, PrintWriter out) {
    JsonNode a = r.get("latency_ms");
    JsonNode e = r.get("embedding_latency_ms");
    out.printf(Locale.ROOT, "sustained over the last %.0f s: %.2f clips/s (%.2f offered, backlog %+.2f clips/s, "
            + "%d at the end), %.1f frames/s; mean batch %s; CPU %.2f of %d cores; peak rss %d MB%n",
        r.get("window_s").asDouble(), r.get("clips_per_second").asDouble(),
        r.get("offered_clips_per_second").asDouble(), r.get("backlog_clips_per_second").asDouble(),
        r.get("backlog_clips").asLong(), r.get("frames_per_second").asDouble(),
        r.get("mean_batch_size").isNull() ? "unknown"
            : String.format(Locale.ROOT, "%.2f", r.get("mean_batch_size").asDouble()),
        r.get("cpu_cores_used").asDouble(), r.get("available_cores").asInt(), r.get("peak_rss_mb").asLong());
    if (r.get("offered_clips_per_second").asDouble() < (1 - GROWTH_TOLERANCE)
        * r.get("nominal_offered_clips_per_second").asDouble()) {
      out.printf(Locale.ROOT, "the simulated wearables fell behind: they offered %.2f of %.2f clips/s and sent their "
              + "last frame %.1f s late (they run on this machine too)%n", r.get("offered_clips_per_second").asDouble(),
          r.get("nominal_offered_clips_per_second").asDouble(), r.get("wearables_lag_s").asDouble());
    }
    out.printf(Locale.ROOT, "model alone at batch %d: %.2f clips/s; pipeline ÷ standalone = %.2f%n",
        r.get("standalone_batch_size").asInt(), r.get("standalone_clips_per_second").asDouble(),
        r.get("overhead_ratio").asDouble());
    out.printf(Locale.ROOT, "answers read (%d of %d questions): p50 %d ms, p95 %d ms, p99 %d ms; %s%n",
        a.get("count").asInt(), r.get("questions").asLong(), a.get("p50").asLong(), a.get("p95").asLong(),
        a.get("p99").asLong(), describeStages(r.get("answer_stage_ms"), ANSWER_STAGES));
    out.printf(Locale.ROOT, "embeddings read (%d): p50 %d ms, p95 %d ms, p99 %d ms after the clip's end; %s%n",
        e.get("count").asInt(), e.get("p50").asLong(), e.get("p95").asLong(), e.get("p99").asLong(),
        describeStages(r.get("stage_ms"), STAGES));
    JsonNode f = r.get("frame_ingest_ms");
    out.printf(Locale.ROOT, "newest frame the model saw, capture to the job's read (Kafka, backpressure): p50 %d ms,"
        + " p99 %d ms%n", f.get("p50").asLong(), f.get("p99").asLong());
    out.printf(Locale.ROOT, "served (backlog growing by at most %.0f %% of the offered clips/s, embedding p99 within "
        + "%d ms): %s%n", GROWTH_TOLERANCE * 100, r.get("p99_target_ms").asLong(),
        r.get("served").asBoolean() ? "yes" : "no");
    out.printf(Locale.ROOT, "embeddings per keep rate q_v: %s%n", r.get("embeddings_per_keep_rate"));
  }

  /** "stages p50 / p99: watermark 1 / 2 ms, queue …". */
  private static String describeStages(JsonNode stages, List<String> names) {
    StringBuilder text = new StringBuilder("stages p50 / p99:");
    for (String name : names) {
      JsonNode s = stages.get(name);
      text.append(String.format(Locale.ROOT, " %s %d / %d ms,", name, s.get("p50").asLong(), s.get("p99").asLong()));
    }
    return text.substring(0, text.length() - 1);
  }

  private static void printSweep(ObjectNode sweep, PrintWriter out) {
    out.printf(Locale.ROOT, "%7s %9s %9s %10s %14s %14s %7s%n", "devices", "clips/s", "offered", "backlog/s",
        "embed p99 ms", "answer p99 ms", "served");
    for (JsonNode r : sweep.get("sweep")) {
      out.printf(Locale.ROOT, "%7d %9.2f %9.2f %+10.2f %14d %14d %7s%n", r.get("devices").asInt(),
          r.get("clips_per_second").asDouble(), r.get("offered_clips_per_second").asDouble(),
          r.get("backlog_clips_per_second").asDouble(), r.get("embedding_latency_ms").get("p99").asLong(),
          r.get("latency_ms").get("p99").asLong(), r.get("served").asBoolean() ? "yes" : "no");
    }
    out.printf(Locale.ROOT, "most wearables served (no growing backlog, embedding p99 within %d ms): %d%n",
        sweep.get("p99_target_ms").asLong(), sweep.get("max_devices_served").asInt());
  }
}
