package io.egostream.eval;

/**
 * A question that was not scored.
 *
 * @param key its key in egomcq.json
 * @param reason the kind of problem
 * @param detail what exactly was wrong, for the user to fix it
 */
public record SkippedQuestion(String key, SkipReason reason, String detail) {}
