package io.egostream.model.train;

/**
 * Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then a half cosine from {@code peak} down to
 * {@code floor} at {@code totalSteps} (the schedule of SViTT's and EgoVLP's recipes). Steps count from 0: step 0 of
 * a 10-step warm-up runs at peak/10, so no step runs at rate 0.
 */
public record LearningRateSchedule(double peak, double floor, int warmupSteps, int totalSteps) {

  public LearningRateSchedule {
    if (!(peak > 0) || floor < 0 || floor > peak) {
      throw new IllegalArgumentException("Invalid learning rates peak " + peak + ", floor " + floor
          + ": need peak > 0 and 0 <= floor <= peak");
    }
    if (warmupSteps < 0 || totalSteps <= warmupSteps) {
      throw new IllegalArgumentException("Invalid schedule of " + warmupSteps + " warm-up steps in " + totalSteps
          + " steps: warm-up must be shorter than the run");
    }
  }

  /** The rate of step {@code step} (0-based). */
  public double rate(int step) {
    if (step < warmupSteps) {
      return peak * (step + 1) / warmupSteps;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  }
}
