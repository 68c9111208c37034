package io.egostream.model;

import ai.djl.ndarray.NDArray;

/**
 * An attention step's result with the [CLS] query's attention, which token pruning ranks tokens by. Kernels return
 * per-head outputs (B, H, L, d); attention blocks and layers return their output (B, L, D) with the same probabilities.
 *
 * @param out the output
 * @param clsProbs the [CLS] query's attention probabilities over every key (B, H, L)
 */
record Attended(NDArray out, NDArray clsProbs) {}
