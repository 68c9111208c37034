package io.egostream.operators.kafka;

import io.egostream.model.SvittConfig;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.KeptTokens;
import io.egostream.proto.v1.Sparsity;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes embedded clips to {@code ego.embeddings} as {@link ClipEmbedding} protobufs keyed by device id, stamped with
 * the clip's end time (at most the job's clock).
 */
public final class ClipEmbeddingSerializer implements KafkaRecordSerializationSchema<EmbeddedClip> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final Sparsity sparsity;

  /**
   * @param config the model's config, whose sparsity settings every record carries, but for the keep rate: each
   *     record's own ({@link EmbeddedClip#keepRate}, what the model ran at)
   */
  public ClipEmbeddingSerializer(String topic, SvittConfig config) {
    this.topic = topic;
    this.sparsity = sparsity(config);
  }

  static Sparsity sparsity(SvittConfig config) {
    return Sparsity.newBuilder()
        .setSparseAttention(config.sparseAttention())
        .setBlockSize(config.blockSize())
        .setLocalBlocks(config.localBlocks())
        .setRandomBlocks(config.randomBlocks())
        .addAllPruneLayers(config.pruneLayers())
        .build();
  }

  /** The protobuf of one embedded clip. */
  public ClipEmbedding toProto(EmbeddedClip clip) {
    ClipEmbedding.Builder b = ClipEmbedding.newBuilder()
        .setDeviceId(clip.deviceId)
        .setSessionId(clip.sessionId)
        .setStartMs(clip.startMs)
        .setEndMs(clip.endMs)
        .setModelId(clip.modelId)
        .setSparsity(sparsity.toBuilder().setKeepRate(clip.keepRate))
        .setIngestTimeMs(clip.ingestTimeMs)
        .setEmitTimeMs(clip.emitTimeMs)
        .setInferenceStartTimeMs(clip.inferenceStartMs)
        .setInferenceEndTimeMs(clip.inferenceEndMs);
    for (long t : clip.frameTimesMs) {
      b.addFrameTimesMs(t);
    }
    for (float x : clip.embedding) {
      b.addEmbedding(x);
    }
    for (int[] stage : clip.keptTokens) {
      KeptTokens.Builder kept = KeptTokens.newBuilder();
      for (int index : stage) {
        kept.addIndex(index);
      }
      b.addKeptTokens(kept);
    }
    return b.build();
  }

  /**
   * The record's timestamp is the clip's end, so consumers can seek by capture time, but never later than the job's
   * clock: a device clock running ahead must not make a record the broker refuses (more than
   * {@code log.message.timestamp.after.max.ms}, 1 h by default, ahead of it), which would fail the sink.
   */
  @Override
  public ProducerRecord<byte[], byte[]> serialize(EmbeddedClip clip, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(topic, null, Math.min(clip.endMs, System.currentTimeMillis()),
        clip.deviceId.getBytes(StandardCharsets.UTF_8), toProto(clip).toByteArray());
  }
}
