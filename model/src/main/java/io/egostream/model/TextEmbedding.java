package io.egostream.model;

/**
 * A text in the joint video-text space.
 *
 * @param text the text as given
 * @param vector L2-normalised embedding, {@link SvittConfig#embedDim()} floats
 * @param truncated true when the text had more WordPiece tokens than {@link SvittConfig#maxTextLength()} allows
 *     and its tail was cut
 */
public record TextEmbedding(String text, float[] vector, boolean truncated) {}
