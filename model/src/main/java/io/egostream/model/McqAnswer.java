package io.egostream.model;

/**
 * The answer to an EgoMCQ-style question: which of the candidate clips the narration describes.
 *
 * @param choice index of the chosen clip
 * @param scores one score per candidate: cosine similarity, or the raw ITM match logit ({@link ItmMatch#score()})
 *     when re-ranked
 * @param reranked true when the fusion encoder's ITM head produced the scores
 */
public record McqAnswer(int choice, float[] scores, boolean reranked) {}
