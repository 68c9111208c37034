package io.egostream.operators.inference;

import static io.egostream.operators.config.OptionChecks.require;

import ai.djl.Device;
import io.egostream.model.Clip;
import io.egostream.model.ClipEmbedding;
import io.egostream.model.RgbFrame;
import io.egostream.model.SvittEgo;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.Jpeg;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds clips with SViTT-Ego in batches: one {@link EmbeddedClip} per {@link ClipRecord}, carrying the clip's
 * device, session, range, frame times, ingest and emit times and MCQ request tag, stamped with the wall-clock times
 * its batch began (decoding first) and the model returned.
 *
 * <p>A batch runs when it holds {@link BatchSettings#maxBatchSize()} clips, or {@link BatchSettings#maxWaitMs()} of
 * processing time after its first clip arrived, whichever comes first. A clip whose frames do not decode, or whose
 * frame count is not the model's, goes to {@link #REJECTED} with the reason; the rest of its batch is embedded. So
 * does a clip the model itself fails on: {@link BatchRunner} then runs the batch again clip by clip, and only the
 * clips that still fail are rejected. Nothing a clip holds fails the task.
 *
 * <p><b>Why keyed, and by lane.</b> The job keys clips by {@link #lane(String, int)}, a hash of the device id modulo a
 * number of lanes, not by device: one wearable yields a clip every few seconds, so batches must mix devices to fill.
 * Keying at all is what makes the buffer safe and testable: the clips waiting for a batch are keyed state, so a
 * half-full batch is in every checkpoint and comes back exactly as checkpointed, timer included, after a restore
 * (end-to-end exactly-once still needs a transactional sink); and only keyed streams have the processing-time timers
 * that bound the wait. Each lane batches on its own, so more lanes mean
 * smaller batches; Flink hashes the lanes again onto subtasks, so use a few lanes per subtask (e.g. 2 × parallelism)
 * or some subtasks may get none.
 *
 * <p><b>Time.</b> Output records of a size-triggered batch carry the stream timestamp of the clip that filled it, and
 * those of a timer-triggered batch carry none (Flink erases it for processing-time timers); watermarks pass this
 * operator while clips wait. Downstream event-time logic should therefore take time from {@code startMs}/{@code endMs}
 * and re-assign timestamps and watermarks after this operator, with an out-of-orderness bound above
 * {@code maxWaitMs} plus the inference time.
 *
 * <p><b>Load-adaptive sparsity.</b> Every batch runs at one keep rate q_v, the model's own unless
 * {@link AdaptiveSettings#enabled()}: then a {@link KeepRateController} picks it from the age of the batch's stream
 * clips when their embeddings will leave the model (the median of wall clock minus clip end, plus the time the last
 * batch took; clips cut for an MCQ choice cover past ranges on purpose and do not count), lowering q_v step by step
 * while clips come late and raising it back while they come early. Each {@link EmbeddedClip} carries the q_v it was
 * embedded at ({@link EmbeddedClip#keepRate}). The controller is task-local and not checkpointed: after a restart,
 * q_v starts again at the model's.
 *
 * <p>The model is loaded once per task in {@link #open} ({@link ModelSource#loadForTask}) and closed in
 * {@link #close}. Metrics: {@code batchSize}, {@code inferenceLatencyMs}, {@code batchesRetried} and
 * {@code clipsFailed} ({@link BatchRunner}'s), {@code queueWaitMs} ({@link BatchBuffer}'s, per clip),
 * {@code clipsPerSecond} (meter of embedded clips), {@code keptTokenRatio} (gauge: patch tokens left after the last
 * pruning stage over those entering the first, for the last clip embedded) and {@code rejectedClips} (counter of
 * clips rejected before the model: frames that do not decode, wrong frame count), {@code inferenceDevice} (gauge:
 * the device the task's model runs on, e.g. {@code gpu(0)} or {@code cpu()}) and {@code inferenceGpu} (gauge: that
 * GPU's index, -1 on the CPU; numeric, for reporters that drop text gauges) and {@code keepRate} (gauge: the q_v
 * the last batch ran at).
 */
public class EmbedClips extends KeyedProcessFunction<Integer, ClipRecord, EmbeddedClip> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EmbedClips.class);

  /**
   * How many lanes the job keys clips by ({@link #lane}); 0, the default, is 2 × the job's parallelism, so that every
   * inference subtask gets a few.
   */
  public static final ConfigOption<Integer> LANES = ConfigOptions.key("inference.lanes")
      .intType().defaultValue(0)
      .withDescription("Batching lanes clips are spread over by device; 0 = 2 × the job's parallelism.");

  /** Clips the model could not take, with the reason. */
  public static final OutputTag<RejectedClip> REJECTED =
      new OutputTag<>("rejected-clips", TypeInformation.of(RejectedClip.class));

  /** Seconds the clipsPerSecond rate is averaged over. */
  private static final int RATE_SECONDS = 60;

  private final ModelSource modelSource;
  private final BatchSettings settings;
  private final AdaptiveSettings adaptive;
  private final ClipEmbedder embedder;

  private transient SvittEgo model;
  private transient BatchBuffer<ClipRecord> buffer;
  private transient BatchRunner runner;
  private transient Meter clipsPerSecond;
  private transient Counter rejectedClips;
  private transient KeepRateController keepRates;
  /** Processing time the last batch took, decoding to the model's return: the age a clip gains inside the model. */
  private transient long lastBatchMs;
  private transient volatile double keptTokenRatio; // read by the metric reporter's thread
  private transient volatile float keepRate; // read by the metric reporter's thread

  /** With load-adaptive sparsity off: every clip at the model's own keep rate. */
  public EmbedClips(ModelSource modelSource, BatchSettings settings) {
    this(modelSource, settings, AdaptiveSettings.defaults());
  }

  public EmbedClips(ModelSource modelSource, BatchSettings settings, AdaptiveSettings adaptive) {
    this(modelSource, settings, adaptive, SvittEgo::embedClips);
  }

  /** With the model call replaced: for tests that need a model failing on chosen clips. */
  EmbedClips(ModelSource modelSource, BatchSettings settings, AdaptiveSettings adaptive, ClipEmbedder embedder) {
    this.modelSource = Objects.requireNonNull(modelSource, "modelSource");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.adaptive = Objects.requireNonNull(adaptive, "adaptive");
    this.embedder = Objects.requireNonNull(embedder, "embedder");
  }

  /** How a batch of clips is embedded: {@link SvittEgo#embedClips}, unless a test injects a failure or a delay. */
  interface ClipEmbedder extends Serializable {
    List<ClipEmbedding> embed(SvittEgo model, List<Clip> clips, float keepRate);
  }

  /**
   * The lane a device's clips are keyed by: {@code floorMod(deviceId.hashCode(), lanes)}, stable across runs (so
   * across restores) because String's hash is specified.
   */
  public static int lane(String deviceId, int lanes) {
    require(lanes >= 1, LANES, lanes, "must be at least 1 (a few per inference subtask, e.g. 2 × its parallelism)");
    return Math.floorMod(deviceId.hashCode(), lanes);
  }

  /**
   * The key each lane is keyed by: for lane {@code i}, the smallest integer not taken by a lower lane that Flink
   * assigns to parallel instance {@code i mod parallelism}, so the lanes spread evenly over the instances. Keyed by
   * the lane numbers themselves, they went where their key groups' hashes sent them: at parallelism 2, lanes 0 to 3
   * all to the second instance, and the first one's model sat idle.
   *
   * @param maxParallelism the job's maximum parallelism; 0 or less for Flink's default at {@code parallelism}
   */
  public static int[] laneKeys(int lanes, int parallelism, int maxParallelism) {
    int max = maxParallelism > 0 ? maxParallelism : KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
    int[] keys = new int[lanes];
    int[] next = new int[parallelism]; // per instance: where the search for its next key resumes
    for (int i = 0; i < lanes; i++) {
      int instance = i % parallelism;
      int k = next[instance];
      while (KeyGroupRangeAssignment.assignKeyToParallelOperator(k, max, parallelism) != instance) {
        k++;
      }
      keys[i] = k;
      next[instance] = k + 1;
    }
    return keys;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    buffer = new BatchBuffer<>(getRuntimeContext(), "clips", TypeInformation.of(ClipRecord.class), settings);

    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    runner = new BatchRunner(metrics, "clipsFailed", LOG);
    clipsPerSecond = metrics.meter("clipsPerSecond", new MeterView(RATE_SECONDS));
    rejectedClips = metrics.counter("rejectedClips");
    keptTokenRatio = Double.NaN; // nothing embedded yet
    metrics.<Double, Gauge<Double>>gauge("keptTokenRatio", () -> keptTokenRatio);

    model = modelSource.loadForTask(getRuntimeContext(), "embeds clips, " + settings + ", " + adaptive);
    keepRates = new KeepRateController(model.config().keepRate(), adaptive);
    keepRate = keepRates.keepRate();
    metrics.<Float, Gauge<Float>>gauge("keepRate", () -> keepRate);
    Device device = model.device();
    metrics.<String, Gauge<String>>gauge("inferenceDevice", device::toString);
    int gpu = Device.Type.GPU.equals(device.getDeviceType()) ? device.getDeviceId() : -1;
    metrics.<Integer, Gauge<Integer>>gauge("inferenceGpu", () -> gpu);
  }

  @Override
  public void processElement(ClipRecord clip, Context ctx, Collector<EmbeddedClip> out) throws Exception {
    List<ClipRecord> batch = buffer.add(clip, ctx.timerService());
    if (!batch.isEmpty()) {
      embed(batch, ctx, out);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<EmbeddedClip> out) throws Exception {
    embed(buffer.onTimer(timestamp, ctx.timeDomain(), ctx.timerService()), ctx, out);
  }

  @Override
  public void close() throws Exception {
    if (model != null) {
      model.close();
      model = null;
    }
  }

  /**
   * Decodes the batch, rejects the clips the model cannot take, embeds the rest in one call (clip by clip if that
   * call fails) and emits them; a clip the model fails on alone is rejected.
   */
  private void embed(List<ClipRecord> batch, Context ctx, Collector<EmbeddedClip> out) {
    long now = ctx.timerService().currentProcessingTime();
    List<ClipRecord> accepted = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (ClipRecord record : batch) {
      try {
        clips.add(decode(record));
        accepted.add(record);
      } catch (UnusableClip e) {
        rejectedClips.inc();
        ctx.output(REJECTED, new RejectedClip(record, e.getMessage(), now));
      }
    }
    if (clips.isEmpty()) {
      return;
    }
    float q = keepRateFor(accepted, now);

    // Positions into accepted/clips, so that the log can name a failing clip's device and range.
    List<Integer> positions = IntStream.range(0, clips.size()).boxed().toList();
    List<BatchRunner.Outcome<ClipEmbedding>> outcomes = runner.run(positions,
        some -> embedder.embed(model, some.stream().map(clips::get).toList(), q),
        i -> "the clip of device " + accepted.get(i).deviceId + " [" + accepted.get(i).startMs + ", "
            + accepted.get(i).endMs + ")");
    long inferenceEnd = ctx.timerService().currentProcessingTime();
    lastBatchMs = inferenceEnd - now;

    ClipEmbedding last = null;
    for (int i = 0; i < accepted.size(); i++) {
      ClipRecord in = accepted.get(i);
      BatchRunner.Outcome<ClipEmbedding> outcome = outcomes.get(i);
      if (outcome.failed()) {
        ctx.output(REJECTED, new RejectedClip(in, "model failed on this clip alone: " + outcome.failure(), now));
        continue;
      }
      last = outcome.output();
      EmbeddedClip embedded = new EmbeddedClip(in.deviceId, in.sessionId, in.startMs, in.endMs, in.frameTimesMs,
          last.vector(), last.keptTokens(), model.modelId(), in.ingestTimeMs).withRequestOf(in)
          .withTimes(in, now, inferenceEnd);
      embedded.keepRate = q;
      out.collect(embedded);
      clipsPerSecond.markEvent();
    }
    if (last != null) {
      int[] perStage = last.keptTokensPerStage();
      keptTokenRatio = (double) perStage[perStage.length - 1] / perStage[0];
    }
  }

  /**
   * The keep rate this batch runs at: the controller's answer to the median age of its stream clips at {@code now}
   * (a median, so that one device whose clock is off does not move it) plus the last batch's time; unchanged for a
   * batch of request clips only.
   */
  private float keepRateFor(List<ClipRecord> batch, long now) {
    long[] ages = batch.stream().filter(c -> !c.isRequestClip()).mapToLong(c -> Math.max(0, now - c.endMs))
        .sorted().toArray();
    if (ages.length == 0) {
      return keepRates.keepRate();
    }
    float before = keepRates.keepRate();
    // The age they will have when their embeddings leave the model, as the last batch took: a consumer sees that,
    // and a slow model (seconds a batch) would otherwise overrun the target by its own time.
    long age = ages[ages.length / 2] + lastBatchMs;
    float after = keepRates.update(now, age);
    if (after != before) {
      LOG.info("Keep rate q_v {} -> {}: clips leave the model {} ms after their end (target {} ms)", before, after,
          age, adaptive.latencyTargetMs());
    }
    keepRate = after;
    return after;
  }

  /** The record's JPEGs as a model clip, or why the model cannot take it. */
  private Clip decode(ClipRecord record) throws UnusableClip {
    int frames = record.jpegs == null ? 0 : record.jpegs.length;
    int expected = model.config().frames();
    if (frames != expected) {
      throw new UnusableClip("clip has " + frames + " frames but model " + model.modelId() + " takes " + expected
          + " (the clip cutter must sample exactly that many frames per clip)");
    }
    List<RgbFrame> decoded = new ArrayList<>(frames);
    for (int f = 0; f < frames; f++) {
      try {
        decoded.add(Jpeg.decode(record.jpegs[f]));
      } catch (IOException | RuntimeException e) {
        // Any exception: a decoder failing on input nobody foresaw must cost this clip only.
        throw new UnusableClip("frame " + f + " of " + frames + " does not decode: " + e.getMessage());
      }
    }
    return new Clip(decoded);
  }

  /** Why one clip cannot be embedded; it costs that clip, not its batch. */
  private static final class UnusableClip extends Exception {
    private static final long serialVersionUID = 1L;

    UnusableClip(String reason) {
      super(reason, null, false, false); // an expected outcome, not a bug: no stack trace
    }
  }
}
