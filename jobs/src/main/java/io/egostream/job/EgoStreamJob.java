package io.egostream.job;

import com.google.protobuf.ByteString;
import io.egostream.operators.inference.EmbedClips;
import io.egostream.operators.inference.RejectedClip;
import io.egostream.operators.ingest.ClipBuilder;
import io.egostream.operators.ingest.DecodeFrames;
import io.egostream.operators.ingest.FrameWatermarks;
import io.egostream.operators.ingest.RefusedFrame;
import io.egostream.operators.mcq.ChoiceOutcome;
import io.egostream.operators.mcq.ChoiceRequest;
import io.egostream.operators.mcq.FanOutChoices;
import io.egostream.operators.mcq.McqGather;
import io.egostream.operators.mcq.StoredClipLookup;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.query.ClipStore;
import io.egostream.operators.query.DecodeQueries;
import io.egostream.operators.query.EmbedTexts;
import io.egostream.operators.query.MergeHits;
import io.egostream.operators.query.PartialHits;
import io.egostream.operators.query.RefineMoments;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.FrameRecord;
import io.egostream.operators.records.QueryRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming job's data flow, from Kafka records to results:
 *
 * <pre>
 * queries ─▶ decode ─▶ batched text embedding ─┬─ MCQ: five choice ranges ─┐
 *                                              │                           ▼
 * frames ──▶ decode ─────────────────────────────────────▶ clips per device (its own clock: windows + choice ranges)
 *                                              │                           ▼
 *                                              │                  batched SViTT-Ego ─▶ stream clips ─▶ embeddings
 *                                              │                    choice clips ─┐        │
 *                                              │    (aged out: stored clip) ──────┤        ▼
 *                                              ├─ MCQ ─────────────▶ gather by query ─▶ answers
 *                                              └═ broadcast ══▶ clip store per device ─▶ merge top-k ─▶ answers
 *                                                               (moment, standing, cancel)       │ best moment
 *                                                                                                 ▼
 *              refine: its ranges (topic ego.refine-requests) ─▶ clips per device ─▶ … ─▶ best range ─▶ answers
 * every malformed record, refused frame (late, duplicate, bad clock…) and unusable clip ─▶ dead letters;
 * every invalid query ─▶ an ERROR answer
 * </pre>
 *
 * <p>Sources and sinks come in as arguments: the {@code job} and {@code demo} commands pass Kafka connectors, tests
 * may pass their own. Every operator has a stable uid, so savepoints survive changes to the code around it.
 */
public final class EgoStreamJob {
  private EgoStreamJob() {}

  /** Checkpoint timeout unless {@code execution.checkpointing.timeout} is set (Flink's own default is 10 min). */
  public static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(2);

  /** Failed checkpoints in a row tolerated unless {@code execution.checkpointing.tolerable-failed-checkpoints}. */
  public static final int TOLERABLE_CHECKPOINT_FAILURES = 3;

  /**
   * Exactly-once checkpoints every {@code checkpoint.interval.ms}, unaligned: model inference is the job's bottleneck,
   * and an aligned barrier would wait behind every clip queued for it, so no checkpoint (and no Kafka commit) would
   * complete while a backlog lasts.
   *
   * <p>A slow checkpoint (a large state upload, a busy disk) fails after {@link #CHECKPOINT_TIMEOUT}, and
   * {@link #TOLERABLE_CHECKPOINT_FAILURES} in a row are tolerated before the job restarts: one slow upload should not
   * restart the stream (Flink tolerates none by default). Meanwhile the sinks' Kafka transaction stays open, so the
   * longest that can take must stay under {@code kafka.transaction-timeout.ms}, or the broker aborts the transaction
   * and its results are lost: checked here.
   *
   * @throws IllegalArgumentException if the checkpoint timeout and tolerated failures outlast the Kafka transaction
   */
  public static void configureCheckpoints(StreamExecutionEnvironment env, ReadableConfig conf) {
    env.enableCheckpointing(conf.get(EgoStreamOptions.CHECKPOINT_INTERVAL_MS), CheckpointingMode.EXACTLY_ONCE);
    CheckpointConfig checkpoints = env.getCheckpointConfig();
    checkpoints.enableUnalignedCheckpoints();
    if (conf.getOptional(CheckpointingOptions.CHECKPOINTING_TIMEOUT).isEmpty()) {
      checkpoints.setCheckpointTimeout(CHECKPOINT_TIMEOUT.toMillis());
    }
    if (conf.getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER).isEmpty()) {
      checkpoints.setTolerableCheckpointFailureNumber(TOLERABLE_CHECKPOINT_FAILURES);
    }
    long timeoutMs = checkpoints.getCheckpointTimeout();
    int tolerated = checkpoints.getTolerableCheckpointFailureNumber();
    long transactionMs = conf.get(EgoStreamOptions.TRANSACTION_TIMEOUT_MS);
    long longestOpenMs = conf.get(EgoStreamOptions.CHECKPOINT_INTERVAL_MS) + (tolerated + 1L) * timeoutMs;
    if (longestOpenMs >= transactionMs) {
      throw new IllegalArgumentException("Invalid value " + Duration.ofMillis(timeoutMs) + " for "
          + CheckpointingOptions.CHECKPOINTING_TIMEOUT.key() + ": with "
          + CheckpointingOptions.TOLERABLE_FAILURE_NUMBER.key() + "=" + tolerated + " and "
          + EgoStreamOptions.CHECKPOINT_INTERVAL_MS.key() + "=" + conf.get(EgoStreamOptions.CHECKPOINT_INTERVAL_MS)
          + " a Kafka transaction may stay open " + longestOpenMs + " ms (interval + (tolerated + 1) × timeout), "
          + "not under " + EgoStreamOptions.TRANSACTION_TIMEOUT_MS.key() + "=" + transactionMs + ", and the broker "
          + "would abort it (lower the timeout or the tolerated failures, or raise "
          + EgoStreamOptions.TRANSACTION_TIMEOUT_MS.key() + " up to the broker's transaction.max.timeout.ms)");
    }
  }

  /**
   * Adds the pipeline on Kafka: the sources and exactly-once sinks of {@link KafkaConnectors}. {@code bounded} reads
   * the input topics up to their current ends and then finishes (tests), without refining moments (the refinement's
   * loop through Kafka never ends); otherwise the job runs until cancelled.
   */
  public static void buildOnKafka(StreamExecutionEnvironment env, ReadableConfig conf, JobSettings settings,
      boolean bounded) throws java.io.IOException {
    build(env, bounded ? settings.withoutRefinement() : settings,
        KafkaConnectors.frames(conf, settings.decode(), bounded),
        KafkaConnectors.queries(conf, settings.decode(), bounded),
        KafkaConnectors.embeddings(conf, settings.model().config()), KafkaConnectors.answers(conf),
        KafkaConnectors.deadLetters(conf),
        new RefineLoop(KafkaConnectors.refineRequests(conf), KafkaConnectors.refineRequestsSink(conf)));
  }

  /**
   * Where moment queries' refinement range requests leave the job and come back in, to reach the clip builder, which
   * is upstream of the refinement (the DataStream API draws no loops): on Kafka, {@code topic.refine-requests}.
   * Unused when refinement is off.
   */
  public record RefineLoop(Source<ChoiceRequest, ?, ?> in, Sink<ChoiceRequest> out) {}

  /** Adds the pipeline to {@code env}. */
  public static void build(StreamExecutionEnvironment env, JobSettings settings, Source<RawRecord, ?, ?> frames,
      Source<RawRecord, ?, ?> queries, Sink<EmbeddedClip> embeddings, Sink<AnswerRecord> answers,
      Sink<DeadLetterRecord> deadLetters, RefineLoop refineLoop) {
    // Queries first: MCQ choices go to the clip builder, which serves their exact ranges from its frame buffer.
    // Queries' event time is when the job read them, with idleness, so that no queries hold no watermark back.
    DataStream<RawRecord> rawQueries = env
        .fromSource(queries, WatermarkStrategy.<RawRecord>forMonotonousTimestamps()
            .withTimestampAssigner((record, kafkaTimestamp) -> record.ingestTimeMs)
            .withIdleness(settings.idleness()), "queries")
        .uid("queries-source");
    SingleOutputStreamOperator<QueryRecord> parsed = rawQueries
        .process(new DecodeQueries(settings.queryLimits()))
        .uid("decode-queries").name("decode queries");
    int lanes = settings.lanes();
    // Lanes keyed so that they spread evenly over the inference instances (EmbedClips#laneKeys).
    int[] laneKeys = EmbedClips.laneKeys(lanes, env.getParallelism(), env.getMaxParallelism());
    // Keyed by query id, so a cancel stays behind its standing query in one lane.
    SingleOutputStreamOperator<EmbeddedQuery> texts = parsed
        .keyBy(query -> laneKeys[EmbedTexts.lane(query.queryId, lanes)], Types.INT)
        .process(new EmbedTexts(settings.model(), settings.batch()))
        .uid("embed-texts").name("embed query texts (SViTT-Ego)");
    SingleOutputStreamOperator<EmbeddedQuery> mcqs = texts
        .filter(query -> QueryRecord.MCQ.equals(query.query.kind))
        .uid("mcq-queries").name("MCQ queries");
    DataStream<ChoiceRequest> choiceRequests = mcqs
        .flatMap(new FanOutChoices(settings.mcq()))
        .uid("fan-out-choices").name("MCQ choices");
    boolean refine = settings.refine().enabled();
    if (refine) {
      // Moment queries' refinement ranges, back from RefineMoments: their event time is when they were sent.
      choiceRequests = choiceRequests.union(env
          .fromSource(refineLoop.in(), WatermarkStrategy.<ChoiceRequest>forMonotonousTimestamps()
              .withIdleness(settings.idleness()), "refine-requests")
          .uid("refine-requests-source"));
    }

    DataStream<RawRecord> raw = env
        .fromSource(frames, FrameWatermarks.strategy(settings.outOfOrderness(), settings.idleness()), "frames")
        .uid("frames-source");
    SingleOutputStreamOperator<FrameRecord> decoded = raw
        .process(new DecodeFrames(settings.decode()))
        .uid("decode-frames").name("decode frames");
    SingleOutputStreamOperator<ClipRecord> clips = decoded
        .keyBy(frame -> frame.deviceId, Types.STRING)
        .connect(choiceRequests.keyBy(request -> request.deviceId, Types.STRING))
        .process(new ClipBuilder(settings.clips()))
        .uid("build-clips").name("build clips per device");
    SingleOutputStreamOperator<EmbeddedClip> embedded = clips
        .keyBy(clip -> laneKeys[EmbedClips.lane(clip.deviceId, lanes)], Types.INT)
        .process(new EmbedClips(settings.model(), settings.batch(), settings.adaptive()))
        .uid("embed-clips").name("embed clips (SViTT-Ego)");

    // The stream's own clips; clips cut for an MCQ choice go to that question only.
    SingleOutputStreamOperator<EmbeddedClip> windows = embedded
        .filter(clip -> !clip.isRequestClip())
        .uid("stream-clips").name("stream clips");
    windows.sinkTo(embeddings).uid("embeddings-sink").name("embeddings");

    SingleOutputStreamOperator<ChoiceOutcome> exact = embedded
        .filter(clip -> clip.isRequestClip() && !clip.requestForMoment)
        .map(ChoiceOutcome::exactRange).returns(ChoiceOutcome.class)
        .uid("exact-choices").name("MCQ choices from exact ranges");
    DataStream<ChoiceRequest> unserved = clips.getSideOutput(ClipBuilder.UNSERVED);
    SingleOutputStreamOperator<ChoiceOutcome> fallback = windows
        .keyBy(clip -> clip.deviceId, Types.STRING)
        .connect(unserved.filter(request -> !request.forMoment).uid("unserved-choices").name("unserved MCQ choices")
            .keyBy(request -> request.deviceId, Types.STRING))
        .process(new StoredClipLookup(settings.mcq()))
        .uid("stored-clip-lookup").name("MCQ choices from stored clips");
    SingleOutputStreamOperator<AnswerRecord> mcqAnswers = mcqs
        .keyBy(query -> query.query.queryId, Types.STRING)
        .connect(exact.union(fallback).keyBy(outcome -> outcome.queryId, Types.STRING))
        .process(new McqGather(settings.mcq()))
        .uid("gather-mcq").name("answer MCQ");

    MomentRules rules = settings.refine().rules();
    SingleOutputStreamOperator<PartialHits> partials = windows
        .keyBy(clip -> clip.deviceId, Types.STRING)
        .connect(texts.broadcast(ClipStore.STANDING_QUERIES))
        .process(new ClipStore(settings.store(), settings.queryLimits(), rules,
            rules.clipsPerMoment(settings.clips().clipMs(), settings.clips().strideMs())))
        .uid("clip-store").name("clip store: moment and standing queries");
    SingleOutputStreamOperator<AnswerRecord> merged = partials
        .keyBy(partial -> partial.queryId, Types.STRING)
        .process(new MergeHits(settings.mergeTimeoutMs(), rules))
        .uid("merge-hits").name("merge top-k clips and moments");
    DataStream<AnswerRecord> momentAnswers = merged;
    if (refine) {
      // Each refinement range's clip (or why there is none), back to its query.
      DataStream<ChoiceOutcome> ranges = embedded
          .filter(clip -> clip.isRequestClip() && clip.requestForMoment)
          .map(ChoiceOutcome::exactRange).returns(ChoiceOutcome.class)
          .uid("refine-range-clips").name("refinement ranges embedded")
          .union(unserved.filter(request -> request.forMoment)
              .map(request -> ChoiceOutcome.missing(request.queryId, request.choice, request.reason))
              .returns(ChoiceOutcome.class)
              .uid("refine-ranges-unserved").name("refinement ranges not built"));
      SingleOutputStreamOperator<AnswerRecord> refined = merged.getSideOutput(MergeHits.TO_REFINE)
          .keyBy(candidates -> candidates.answer.queryId, Types.STRING)
          .connect(ranges.keyBy(outcome -> outcome.queryId, Types.STRING))
          .process(new RefineMoments(settings.refine()))
          .uid("refine-moments").name("refine the best moments");
      refined.getSideOutput(RefineMoments.REQUESTS).sinkTo(refineLoop.out())
          .uid("refine-requests-sink").name("refinement ranges to the clip builder");
      momentAnswers = merged.union(refined);
    }
    momentAnswers
        .union(mcqAnswers, partials.getSideOutput(ClipStore.ANSWERS),
            parsed.getSideOutput(DecodeQueries.ERROR_ANSWERS), texts.getSideOutput(EmbedTexts.ERROR_ANSWERS))
        .sinkTo(answers).uid("answers-sink").name("answers");

    DataStream<DeadLetterRecord> refused = clips.getSideOutput(ClipBuilder.REFUSED)
        .map(EgoStreamJob::refusedFrame).uid("refused-frames").name("refused frames to dead letters");
    DataStream<DeadLetterRecord> rejected = embedded.getSideOutput(EmbedClips.REJECTED)
        .map(EgoStreamJob::rejectedClip).uid("rejected-clips").name("rejected clips to dead letters");
    decoded.getSideOutput(DecodeFrames.DEAD_LETTERS)
        .union(refused, rejected, parsed.getSideOutput(DecodeQueries.DEAD_LETTERS))
        .sinkTo(deadLetters).uid("dead-letter-sink").name("dead letters");
  }

  /**
   * A frame the clip builder did not use (late, duplicate, clock jump, sequence, a buffer limit), with its reason.
   * Its record may have carried frames that were used, so the dead letter holds a batch of just this frame, with the
   * coordinates of the record it came in.
   */
  static DeadLetterRecord refusedFrame(RefusedFrame refused) {
    FrameRecord frame = refused.frame;
    DeadLetterRecord r = new DeadLetterRecord();
    r.sourceTopic = frame.sourceTopic;
    r.sourcePartition = frame.sourcePartition;
    r.sourceOffset = frame.sourceOffset;
    r.reason = refused.reason;
    r.originalKey = frame.deviceId.getBytes(StandardCharsets.UTF_8);
    r.originalValue = FrameBatch.newBuilder()
        .setDeviceId(frame.deviceId)
        .setSessionId(frame.sessionId)
        .addFrames(Frame.newBuilder()
            .setCaptureTimeMs(frame.captureTimeMs)
            .setSequence(frame.sequence)
            .setWidth(frame.width)
            .setHeight(frame.height)
            .setJpeg(ByteString.copyFrom(frame.jpeg)))
        .build()
        .toByteArray();
    r.timeMs = System.currentTimeMillis();
    return r;
  }

  /**
   * A clip the model could not take. It was built from several records, each already in the frames topic, so the
   * dead letter names none (partition and offset −1) and carries no value: the reason says which device and range.
   */
  static DeadLetterRecord rejectedClip(RejectedClip rejected) {
    ClipRecord clip = rejected.clip;
    DeadLetterRecord r = new DeadLetterRecord();
    r.sourceTopic = "";
    r.sourcePartition = -1;
    r.sourceOffset = -1;
    r.reason = "clip of device " + clip.deviceId + " [" + clip.startMs + ", " + clip.endMs + ") rejected by the "
        + "model: " + rejected.reason;
    r.originalKey = clip.deviceId.getBytes(StandardCharsets.UTF_8);
    r.timeMs = rejected.timeMs;
    return r;
  }
}
