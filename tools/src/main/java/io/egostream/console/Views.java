package io.egostream.console;

import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.ClipEmbedding;
import io.egostream.proto.v1.KeptTokens;
import java.util.List;

/** What the pages receive, as JSON (Jackson writes records field by field and {@code byte[]} as base64). */
final class Views {
  private Views() {}

  /** Whether the console reaches Kafka, and if not, why. */
  record Status(boolean connected, String bootstrapServers, String message) {}

  /** One wearable as the Live page shows it: newest frame, frames/s over the last seconds, clips embedded. */
  record Device(String deviceId, long newestFrameMs, double fps, long frames, long clips, long firstMs,
      long lastMs) {}

  /** A clip embedding without its vector: range, sampled frame times and the kept patch indices per stage. */
  record Clip(String deviceId, String sessionId, long startMs, long endMs, List<Long> frameTimesMs,
      List<List<Integer>> kept, String modelId) {
    static Clip of(ClipEmbedding e) {
      return new Clip(e.getDeviceId(), e.getSessionId(), e.getStartMs(), e.getEndMs(), e.getFrameTimesMsList(),
          e.getKeptTokensList().stream().map(KeptTokens::getIndexList).toList(), e.getModelId());
    }
  }

  /** One frame read back from {@code ego.frames}. */
  record Frame(long captureTimeMs, int width, int height, byte[] jpeg) {}

  /** The frames of one device in [fromMs, toMs), in capture order. */
  record Frames(String deviceId, long fromMs, long toMs, List<Frame> frames) {}

  /** A ranked hit: a moment of one device's stream. */
  record Hit(String deviceId, String sessionId, long startMs, long endMs, float score) {}

  /** An MCQ result; an unscored choice's score is null (NaN on the wire, which JSON cannot carry). */
  record Mcq(int choice, List<Float> scores, List<String> sources) {}

  /** An answer from {@code ego.answers}. */
  record AnswerView(String queryId, String kind, String status, String reason, long latencyMs, long answerTimeMs,
      Mcq mcq, List<Hit> hits) {
    static AnswerView of(Answer a) {
      Mcq mcq = a.hasMcq() ? new Mcq(a.getMcq().getChoice(),
          a.getMcq().getScoresList().stream().map(s -> s.isNaN() ? null : s).toList(),
          a.getMcq().getSourcesList().stream().map(Enum::name).toList()) : null;
      return new AnswerView(a.getQueryId(), a.getKind().name(), a.getStatus().name(), a.getReason(),
          a.getLatencyMs(), a.getAnswerTimeMs(), mcq, a.getHitsList().stream().map(h -> new Hit(h.getDeviceId(),
              h.getSessionId(), h.getStartMs(), h.getEndMs(), h.getScore())).toList());
    }
  }

  /** A standing query this console registered. */
  record Standing(String queryId, String text, float threshold, List<String> devices) {}

  /** Everything a page needs when it (re)connects. */
  record State(Status status, List<Device> devices, List<Clip> clips, List<Standing> standing) {}
}
