package io.egostream.operators.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.operators.kafka.OutputBounds;
import io.egostream.operators.kafka.SinkLimit;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.MomentHit;
import io.egostream.operators.records.QueryRecord;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ChoiceSource;
import io.egostream.proto.v1.Moment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class AnswerSerializerTest {

  @Test
  void aMomentAnswerIsWrittenAsAnAnswerProtobufKeyedByQueryId() throws Exception {
    AnswerRecord r = new AnswerRecord("q-7", AnswerRecord.Kind.MOMENT, AnswerRecord.Status.PARTIAL, "one missing", 12,
        1_000);
    r.hits = new ClipHit[] {new ClipHit("a", "s1", 0, 4_000, 0.9f, 5), new ClipHit("b", "s2", 4_000, 8_000, 0.5f, 5)};
    r.moments = new MomentHit[] {new MomentHit("a", "s1", 0, 4_000, 0.9f, new long[] {0, 2_000}),
        new MomentHit("b", "s2", 4_500, 7_000, 0.6f, new long[] {4_000})};
    r.moments[1].refined = true;
    r.moments[1].refineRanges = 13;
    r.moments[1].refineNote = "1 of 14 ranges not scored";

    ProducerRecord<byte[], byte[]> record =
        new AnswerSerializer("ego.answers", SinkLimit.MAX_RECORD_BYTES).serialize(r, null, null);
    assertEquals("ego.answers", record.topic());
    assertArrayEquals("q-7".getBytes(StandardCharsets.UTF_8), record.key());
    assertEquals(1_000L, record.timestamp());
    Answer answer = Answer.parseFrom(record.value());
    assertEquals("q-7", answer.getQueryId());
    assertEquals(Answer.Kind.MOMENT, answer.getKind());
    assertEquals(Answer.Status.PARTIAL, answer.getStatus());
    assertEquals("one missing", answer.getReason());
    assertEquals(12, answer.getLatencyMs());
    assertEquals(1_000, answer.getAnswerTimeMs());
    assertEquals(2, answer.getHitsCount());
    assertEquals("b", answer.getHits(1).getDeviceId());
    assertEquals("s2", answer.getHits(1).getSessionId());
    assertEquals(4_000, answer.getHits(1).getStartMs());
    assertEquals(8_000, answer.getHits(1).getEndMs());
    assertEquals(0.5f, answer.getHits(1).getScore());
    assertEquals(2, answer.getMomentsCount());
    Moment moment = answer.getMoments(0);
    assertEquals(List.of("a", "s1", 0L, 4_000L, 0.9f, List.of(0L, 2_000L), false, 0, ""), List.of(
        moment.getDeviceId(), moment.getSessionId(), moment.getStartMs(), moment.getEndMs(), moment.getScore(),
        moment.getClipStartMsList(), moment.getRefined(), moment.getRefineRanges(), moment.getRefineNote()));
    Moment refined = answer.getMoments(1);
    assertEquals(List.of(4_500L, 7_000L, true, 13, "1 of 14 ranges not scored"), List.of(refined.getStartMs(),
        refined.getEndMs(), refined.getRefined(), refined.getRefineRanges(), refined.getRefineNote()));
    assertFalse(answer.hasMcq());
    assertFalse(answer.getTruncated());
  }

  @Test
  void mcqFieldsAndNullsAreWritten() {
    AnswerRecord r = new AnswerRecord("q", AnswerRecord.Kind.MCQ, AnswerRecord.Status.OK, null, 0, 0);
    r.mcqChoice = 2;
    r.mcqScores = new float[] {0.1f, 0.2f, 0.9f, Float.NaN, 0.3f};
    r.mcqSources = new AnswerRecord.ChoiceSource[] {AnswerRecord.ChoiceSource.EXACT_RANGE,
        AnswerRecord.ChoiceSource.STORED_CLIP, AnswerRecord.ChoiceSource.EXACT_RANGE,
        AnswerRecord.ChoiceSource.MISSING, AnswerRecord.ChoiceSource.EXACT_RANGE};
    Answer answer = AnswerSerializer.toProto(r);
    assertEquals("", answer.getReason(), "null becomes empty");
    assertEquals(2, answer.getMcq().getChoice());
    assertTrue(Float.isNaN(answer.getMcq().getScores(3)));
    assertEquals(List.of(ChoiceSource.EXACT_RANGE, ChoiceSource.STORED_CLIP, ChoiceSource.EXACT_RANGE,
        ChoiceSource.MISSING, ChoiceSource.EXACT_RANGE), answer.getMcq().getSourcesList());
    assertEquals(0, answer.getHitsCount());
  }

  /** A 9 MB query id, in the key and the value: as written in full, the answer is ~18 MB. */
  @Test
  void anAnswerToAHugeQueryIdFitsTheSinkLimit() throws Exception {
    String id = "q".repeat(9_000_000);
    AnswerRecord r = new AnswerRecord(id, AnswerRecord.Kind.MOMENT, AnswerRecord.Status.ERROR,
        "invalid query: query_id is too long", 0, 1_000);
    ProducerRecord<byte[], byte[]> record =
        new AnswerSerializer("ego.answers", SinkLimit.MAX_RECORD_BYTES).serialize(r, null, null);

    SinkLimit.assertFits(record);
    Answer answer = Answer.parseFrom(record.value());
    assertEquals(Answer.Status.ERROR, answer.getStatus());
    assertEquals("invalid query: query_id is too long", answer.getReason());
    assertTrue(answer.getTruncated());
    assertEquals("q".repeat(OutputBounds.MAX_CUT_KEY_BYTES - 3) + "…", answer.getQueryId(), "a prefix of the id");
    assertArrayEquals(answer.getQueryId().getBytes(StandardCharsets.UTF_8), record.key(), "the key is that prefix");
  }

  @Test
  void hitsThatDoNotFitAreCutFromTheWorstEnd() throws Exception {
    AnswerRecord r = new AnswerRecord("q", AnswerRecord.Kind.MOMENT, AnswerRecord.Status.OK, null, 0, 1_000);
    r.hits = new ClipHit[1_000];
    for (int i = 0; i < r.hits.length; i++) {
      r.hits[i] = new ClipHit("d".repeat(100), "s", i, i + 1, 1f - i / 1_000f, 0);
    }
    int limit = 64 * 1024; // 1 000 hits of ~120 bytes do not fit
    ProducerRecord<byte[], byte[]> record = new AnswerSerializer("ego.answers", limit).serialize(r, null, null);
    assertTrue(record.key().length + record.value().length <= limit - OutputBounds.KAFKA_OVERHEAD_BYTES);
    Answer answer = Answer.parseFrom(record.value());
    assertTrue(answer.getTruncated());
    assertEquals("q", answer.getQueryId(), "a short id is not cut");
    assertTrue(answer.getHitsCount() > 400 && answer.getHitsCount() < 1_000, answer.getHitsCount() + " hits");
    assertEquals(0, answer.getHits(0).getStartMs(), "the best hits are kept");
  }

  @Test
  void everyRecordOfThePipelineIsAPojoThatNeedsNoKryo() throws Exception {
    SerializerConfigImpl noKryo = new SerializerConfigImpl();
    noKryo.setGenericTypes(false); // creating a serializer that would need Kryo now throws
    for (Class<?> type : List.of(AnswerRecord.class, ClipHit.class, MomentHit.class, PartialHits.class,
        StoredClip.class, ReportedMoment.class, QueryRecord.class, EmbeddedQuery.class, MomentCandidates.class,
        io.egostream.operators.mcq.ChoiceRequest.class, io.egostream.operators.mcq.ChoiceOutcome.class)) {
      TypeInformation<?> info = TypeInformation.of(type);
      assertInstanceOf(PojoTypeInfo.class, info, type.getSimpleName());
      assertDoesNotThrow(() -> info.createSerializer(noKryo), type.getSimpleName());
    }

    AnswerRecord r = new AnswerRecord("q", AnswerRecord.Kind.STANDING, AnswerRecord.Status.OK, null, 3, 4);
    r.hits = new ClipHit[] {new ClipHit("a", "s", 0, 1, 0.5f, 2)};
    r.moments = new MomentHit[] {new MomentHit("a", "s", 0, 1, 0.5f, new long[] {0})};
    r.mcqSources = new AnswerRecord.ChoiceSource[] {AnswerRecord.ChoiceSource.MISSING};
    TypeSerializer<AnswerRecord> serializer = TypeInformation.of(AnswerRecord.class).createSerializer(noKryo);
    AnswerRecord copy = InstantiationUtil.deserializeFromByteArray(serializer,
        InstantiationUtil.serializeToByteArray(serializer, r));
    assertEquals(r.toString(), copy.toString());
    assertEquals(AnswerRecord.ChoiceSource.MISSING, copy.mcqSources[0]);
  }
}
