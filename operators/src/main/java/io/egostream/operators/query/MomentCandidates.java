package io.egostream.operators.query;

import io.egostream.operators.records.AnswerRecord;

/**
 * A moment query's answer as merged from the stored clips ({@link MergeHits}), on its way to {@link RefineMoments}
 * with what refinement needs: the query's text embedding and the range it searched. A Flink POJO.
 */
public class MomentCandidates {
  /** The answer from the clip grid: hits and moments, best first. */
  public AnswerRecord answer;
  /** The query's L2-normalised text embedding, to score the refinement ranges with. */
  public float[] textEmbedding;
  /** The model that embedded it: the ranges must be embedded by the same one to be comparable. */
  public String modelId;
  /** The query's event-time range [fromMs, toMs), 0 = unbounded on that side: refinement ranges stay inside it. */
  public long fromMs;
  public long toMs;

  public MomentCandidates() {}

  public MomentCandidates(AnswerRecord answer, float[] textEmbedding, String modelId, long fromMs, long toMs) {
    this.answer = answer;
    this.textEmbedding = textEmbedding;
    this.modelId = modelId;
    this.fromMs = fromMs;
    this.toMs = toMs;
  }
}
