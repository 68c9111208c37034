package io.egostream.model.train;

import java.time.Duration;

/**
 * What one training step did, for a progress bar.
 *
 * @param step steps completed (1 after the first)
 * @param steps steps of the whole run
 * @param loss EgoNCE of this step's batch
 * @param learningRate the rate this step ran at
 * @param clipsPerSecond throughput of this process so far (forward, backward and update)
 * @param eta remaining steps at this process's mean step time
 * @param checkpoint the checkpoint folder written after this step, or null
 */
public record StepReport(
    int step, int steps, float loss, double learningRate, double clipsPerSecond, Duration eta,
    java.nio.file.Path checkpoint) {}
