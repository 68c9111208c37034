package io.egostream.operators.query;

import com.google.protobuf.CodedOutputStream;
import io.egostream.operators.kafka.OutputBounds;
import io.egostream.operators.records.AnswerRecord;
import io.egostream.operators.records.ClipHit;
import io.egostream.operators.records.MomentHit;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ChoiceSource;
import io.egostream.proto.v1.Hit;
import io.egostream.proto.v1.McqResult;
import io.egostream.proto.v1.Moment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes answers to {@code ego.answers} as {@link Answer} protobufs, keyed by query id (UTF-8) as the contract says,
 * with the answer's wall-clock time as the record timestamp.
 *
 * <p>An answer repeats its query id twice (key and field), and the ERROR answer to a rejected query repeats an id of
 * any length; so an answer that would exceed the sink's limit is cut: the id to {@link OutputBounds#MAX_CUT_KEY_BYTES}
 * (key and field alike), then hits and moments from the worst end until it fits (the best hits first, then the best
 * moments that still fit), and flagged {@code truncated}. Reasons are cut to
 * {@link OutputBounds#MAX_REASON_BYTES} always.
 */
public final class AnswerSerializer implements KafkaRecordSerializationSchema<AnswerRecord> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final int budget;

  /** @param maxRecordBytes the sink producer's {@code max.request.size}: no record written is larger */
  public AnswerSerializer(String topic, int maxRecordBytes) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.budget = OutputBounds.budget(maxRecordBytes);
  }

  /**
   * The wire form of {@code r}, reason cut to {@link OutputBounds#MAX_REASON_BYTES}; null strings become empty ones
   * (protobuf has no null). May exceed the sink's limit: {@link #serialize} cuts it further when it does.
   */
  public static Answer toProto(AnswerRecord r) {
    String reason = orEmpty(r.reason);
    String shortReason = OutputBounds.utf8Prefix(reason, OutputBounds.MAX_REASON_BYTES);
    Answer.Builder b = Answer.newBuilder()
        .setQueryId(orEmpty(r.queryId))
        .setKind(kind(r.kind))
        .setStatus(status(r.status))
        .setReason(shortReason)
        .setTruncated(!shortReason.equals(reason))
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
    if (r.moments != null) {
      for (MomentHit m : r.moments) {
        Moment.Builder moment = Moment.newBuilder()
            .setDeviceId(orEmpty(m.deviceId))
            .setSessionId(orEmpty(m.sessionId))
            .setStartMs(m.startMs)
            .setEndMs(m.endMs)
            .setScore(m.score)
            .setRefined(m.refined)
            .setRefineRanges(m.refineRanges)
            .setRefineNote(orEmpty(m.refineNote));
        if (m.clipStartsMs != null) {
          for (long start : m.clipStartsMs) {
            moment.addClipStartMs(start);
          }
        }
        b.addMoments(moment);
      }
    }
    return b.build();
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(AnswerRecord r, KafkaSinkContext context, Long timestamp) {
    Answer answer = toProto(r);
    byte[] key = answer.getQueryId().getBytes(StandardCharsets.UTF_8);
    if (key.length + answer.getSerializedSize() > budget) {
      answer = cut(answer, budget);
      key = answer.getQueryId().getBytes(StandardCharsets.UTF_8);
    }
    return new ProducerRecord<>(topic, null, r.answerTimeMs, key, answer.toByteArray());
  }

  /** {@code answer} with its id cut, then as many of its best hits, then moments, as fit in {@code budget}. */
  private static Answer cut(Answer answer, int budget) {
    String id = OutputBounds.utf8Prefix(answer.getQueryId(), OutputBounds.MAX_CUT_KEY_BYTES);
    Answer.Builder b = answer.toBuilder().setQueryId(id).setTruncated(true).clearHits().clearMoments();
    int room = budget - id.getBytes(StandardCharsets.UTF_8).length - b.build().getSerializedSize();
    for (Hit hit : answer.getHitsList()) {
      int size = CodedOutputStream.computeMessageSize(Answer.HITS_FIELD_NUMBER, hit);
      if (size > room) {
        break; // hits are best first: keep the best that fit
      }
      b.addHits(hit);
      room -= size;
    }
    for (Moment moment : answer.getMomentsList()) {
      int size = CodedOutputStream.computeMessageSize(Answer.MOMENTS_FIELD_NUMBER, moment);
      if (size > room) {
        break;
      }
      b.addMoments(moment);
      room -= size;
    }
    return b.build();
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
