package io.egostream.data;

/**
 * An input item a reader skipped.
 *
 * @param item where it is: the question key of egomcq.json, or {@code line N} of a CSV
 * @param reason what is wrong with it, in words
 */
public record Rejected(String item, String reason) {}
