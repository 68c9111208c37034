package io.egostream.model;

import ai.djl.ndarray.NDArray;

/**
 * What an attention kernel returns.
 *
 * @param out per-head outputs (B, H, L, d)
 * @param clsProbs the [CLS] query's attention probabilities over every key (B, H, L): the token-pruning score
 */
record Attended(NDArray out, NDArray clsProbs) {}
