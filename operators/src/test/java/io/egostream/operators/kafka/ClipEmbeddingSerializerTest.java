package io.egostream.operators.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.SvittConfig;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.proto.v1.ClipEmbedding;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The record timestamp of a clip embedding is one the broker accepts, whatever the device's clock said. */
class ClipEmbeddingSerializerTest {
  private final ClipEmbeddingSerializer serializer = new ClipEmbeddingSerializer("ego.embeddings", SvittConfig.tiny());

  @Test
  void aClipEndingInThePastIsStampedWithItsEnd() {
    long end = System.currentTimeMillis() - 60_000;
    assertEquals(end, serializer.serialize(clip(end), null, null).timestamp());
  }

  @Test
  void aClipFromAClockRunningAheadIsStampedNoLaterThanTheJobsClock() {
    // The broker refuses timestamps more than log.message.timestamp.after.max.ms (1 h by default) ahead of it.
    long twoHoursAhead = System.currentTimeMillis() + 2 * 3_600_000L;
    ProducerRecord<byte[], byte[]> record = serializer.serialize(clip(twoHoursAhead), null, null);
    assertTrue(record.timestamp() <= System.currentTimeMillis(), "timestamp " + record.timestamp());
  }

  @Test
  void theClipsTimesThroughTheJobAreOnTheWire() {
    EmbeddedClip clip = clip(1_000_000);
    clip.ingestTimeMs = 1_000_010;
    clip.emitTimeMs = 1_000_020;
    clip.inferenceStartMs = 1_000_030;
    clip.inferenceEndMs = 1_000_040;
    ClipEmbedding proto = serializer.toProto(clip);
    assertEquals(List.of(1_000_010L, 1_000_020L, 1_000_030L, 1_000_040L), List.of(proto.getIngestTimeMs(),
        proto.getEmitTimeMs(), proto.getInferenceStartTimeMs(), proto.getInferenceEndTimeMs()));
  }

  @Test
  void theKeepRateIsTheOneTheClipWasEmbeddedAtAndTheRestOfTheSparsityTheModels() {
    EmbeddedClip clip = clip(1_000_000);
    clip.keepRate = 0.4f;
    var proto = serializer.toProto(clip);
    assertEquals(0.4f, proto.getSparsity().getKeepRate());
    assertEquals(SvittConfig.tiny().pruneLayers(), proto.getSparsity().getPruneLayersList());
    assertEquals(SvittConfig.tiny().blockSize(), proto.getSparsity().getBlockSize());
  }

  private static EmbeddedClip clip(long endMs) {
    return new EmbeddedClip("glasses-1", "session-1", endMs - 4_000, endMs, new long[] {endMs - 1}, new float[256],
        new int[0][], "model", endMs);
  }
}
