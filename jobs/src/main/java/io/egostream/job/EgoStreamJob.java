package io.egostream.job;

import com.google.protobuf.ByteString;
import io.egostream.operators.inference.EmbedClips;
import io.egostream.operators.inference.RejectedClip;
import io.egostream.operators.ingest.ClipBuilder;
import io.egostream.operators.ingest.DecodeFrames;
import io.egostream.operators.ingest.FrameWatermarks;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.FrameRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming job's data flow, from Kafka records to results:
 *
 * <pre>
 * frames (Kafka) ─▶ decode ─▶ clips per device (event time) ─▶ batched SViTT-Ego ─▶ embeddings (Kafka)
 *                     └─ malformed ──┴─ late frames ──────────────┴─ unusable clips ─▶ dead letters (Kafka)
 * </pre>
 *
 * <p>Sources and sinks come in as arguments: the {@code job} and {@code demo} commands pass Kafka connectors, tests
 * may pass their own. Every operator has a stable uid, so savepoints survive changes to the code around it.
 */
public final class EgoStreamJob {
  private EgoStreamJob() {}

  /**
   * Exactly-once checkpoints every {@code checkpoint.interval.ms}, unaligned: model inference is the job's bottleneck,
   * and an aligned barrier would wait behind every clip queued for it, so no checkpoint (and no Kafka commit) would
   * complete while a backlog lasts.
   */
  public static void configureCheckpoints(StreamExecutionEnvironment env, ReadableConfig conf) {
    env.enableCheckpointing(conf.get(EgoStreamOptions.CHECKPOINT_INTERVAL_MS), CheckpointingMode.EXACTLY_ONCE);
    env.getCheckpointConfig().enableUnalignedCheckpoints();
  }

  /** Adds the pipeline to {@code env}. */
  public static void build(StreamExecutionEnvironment env, JobSettings settings, Source<RawRecord, ?, ?> frames,
      Sink<EmbeddedClip> embeddings, Sink<DeadLetterRecord> deadLetters) {
    DataStream<RawRecord> raw = env
        .fromSource(frames, FrameWatermarks.strategy(settings.outOfOrderness(), settings.idleness()), "frames")
        .uid("frames-source");

    SingleOutputStreamOperator<FrameRecord> decoded = raw
        .process(new DecodeFrames(settings.decode()))
        .uid("decode-frames").name("decode frames");

    SingleOutputStreamOperator<ClipRecord> clips = decoded
        .keyBy(frame -> frame.deviceId, Types.STRING)
        .process(new ClipBuilder(settings.clips()))
        .uid("build-clips").name("build clips per device");

    int lanes = settings.lanes();
    SingleOutputStreamOperator<EmbeddedClip> embedded = clips
        .keyBy(clip -> EmbedClips.lane(clip.deviceId, lanes), Types.INT)
        .process(new EmbedClips(settings.model(), settings.batch()))
        .uid("embed-clips").name("embed clips (SViTT-Ego)");

    embedded.sinkTo(embeddings).uid("embeddings-sink").name("embeddings");

    DataStream<DeadLetterRecord> late = clips.getSideOutput(ClipBuilder.LATE)
        .map(EgoStreamJob::lateFrame).uid("late-frames").name("late frames to dead letters");
    DataStream<DeadLetterRecord> rejected = embedded.getSideOutput(EmbedClips.REJECTED)
        .map(EgoStreamJob::rejectedClip).uid("rejected-clips").name("rejected clips to dead letters");
    decoded.getSideOutput(DecodeFrames.DEAD_LETTERS)
        .union(late, rejected)
        .sinkTo(deadLetters).uid("dead-letter-sink").name("dead letters");
  }

  /**
   * A frame that arrived after its clips were built. Its record may have carried frames that were on time, so the
   * dead letter holds a batch of just this frame, with the coordinates of the record it came in.
   */
  static DeadLetterRecord lateFrame(FrameRecord frame) {
    DeadLetterRecord r = new DeadLetterRecord();
    r.sourceTopic = frame.sourceTopic;
    r.sourcePartition = frame.sourcePartition;
    r.sourceOffset = frame.sourceOffset;
    r.reason = "late frame: capture time " + frame.captureTimeMs + " of device " + frame.deviceId
        + " arrived after the watermark had passed it (its clips were already built); raise "
        + EgoStreamOptions.OUT_OF_ORDERNESS_MS.key() + " if devices are this far out of order";
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
