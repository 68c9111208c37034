package io.egostream.operators.query;

import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ChoiceSource;
import io.egostream.proto.v1.Hit;
import io.egostream.proto.v1.McqResult;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes answers to {@code ego.answers} as {@link Answer} protobufs, keyed by query id (UTF-8) as the contract says,
 * with the answer's wall-clock time as the record timestamp.
 */
public final class AnswerSerializer implements KafkaRecordSerializationSchema<AnswerRecord> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  public AnswerSerializer(String topic) {
    this.topic = Objects.requireNonNull(topic, "topic");
  }

  /** The wire form of {@code r}; null strings become empty ones (protobuf has no null). */
  public static Answer toProto(AnswerRecord r) {
    Answer.Builder b = Answer.newBuilder()
        .setQueryId(orEmpty(r.queryId))
        .setKind(kind(r.kind))
        .setStatus(status(r.status))
        .setReason(orEmpty(r.reason))
        .setLatencyMs(r.latencyMs)
        .setAnswerTimeMs(r.answerTimeMs);
    if (r.mcqScores != null || r.mcqSources != null) {
      McqResult.Builder mcq = McqResult.newBuilder().setChoice(r.mcqChoice);
      if (r.mcqScores != null) {
        for (float score : r.mcqScores) {
          mcq.addScores(score);
        }
      }
      if (r.mcqSources != null) {
        for (AnswerRecord.ChoiceSource source : r.mcqSources) {
          mcq.addSources(source(source));
        }
      }
      b.setMcq(mcq);
    }
    if (r.hits != null) {
      for (ClipHit h : r.hits) {
        b.addHits(Hit.newBuilder()
            .setDeviceId(orEmpty(h.deviceId))
            .setSessionId(orEmpty(h.sessionId))
            .setStartMs(h.startMs)
            .setEndMs(h.endMs)
            .setScore(h.score));
      }
    }
    return b.build();
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(AnswerRecord r, KafkaSinkContext context, Long timestamp) {
    byte[] key = orEmpty(r.queryId).getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(topic, null, r.answerTimeMs, key, toProto(r).toByteArray());
  }

  private static Answer.Kind kind(AnswerRecord.Kind kind) {
    return kind == null ? Answer.Kind.KIND_UNSPECIFIED : switch (kind) {
      case UNSPECIFIED -> Answer.Kind.KIND_UNSPECIFIED;
      case MCQ -> Answer.Kind.MCQ;
      case MOMENT -> Answer.Kind.MOMENT;
      case STANDING -> Answer.Kind.STANDING;
      case CANCEL -> Answer.Kind.CANCEL;
    };
  }

  private static Answer.Status status(AnswerRecord.Status status) {
    return status == null ? Answer.Status.STATUS_UNSPECIFIED : switch (status) {
      case UNSPECIFIED -> Answer.Status.STATUS_UNSPECIFIED;
      case OK -> Answer.Status.OK;
      case PARTIAL -> Answer.Status.PARTIAL;
      case TIMED_OUT -> Answer.Status.TIMED_OUT;
      case ERROR -> Answer.Status.ERROR;
    };
  }

  private static ChoiceSource source(AnswerRecord.ChoiceSource source) {
    return source == null ? ChoiceSource.CHOICE_SOURCE_UNSPECIFIED : switch (source) {
      case UNSPECIFIED -> ChoiceSource.CHOICE_SOURCE_UNSPECIFIED;
      case EXACT_RANGE -> ChoiceSource.EXACT_RANGE;
      case STORED_CLIP -> ChoiceSource.STORED_CLIP;
      case MISSING -> ChoiceSource.MISSING;
    };
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
