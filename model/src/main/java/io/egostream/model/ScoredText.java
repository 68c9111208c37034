package io.egostream.model;

/** A text with its score against a clip (zero-shot labelling), best first when in a list. */
public record ScoredText(String text, float score) {}
