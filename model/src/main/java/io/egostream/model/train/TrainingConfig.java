package io.egostream.model.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every setting of a training run; written into each checkpoint so a resumed run can check it continues the same
 * run. Build with {@link #fromScratch()} or {@link #fineTune()} and change with {@link #toBuilder()}.
 *
 * @param batchSize samples per step (also EgoNCE's number of candidates: bigger is a harder contrast)
 * @param sceneNegatives EgoVLP's scene-aware negatives: half of each batch are anchors in shuffled order, each
 *     followed by a neighbour (another clip of its video, close in time); needs an even batch size
 * @param reversedNegatives how many clips of each batch (the first ones) also go through the video encoder played
 *     backwards, as one more negative for their own narrations: a direct lesson in the order of frames, at the
 *     cost of that many extra clips a step, from {@code orderFromStep} on (0, the default, is plain EgoNCE)
 * @param temperature EgoNCE's τ ({@link EgoNce#TEMPERATURE} in EgoVLP)
 * @param steps optimizer steps in the run
 * @param learningRate peak rate after warm-up
 * @param minLearningRate rate the cosine decays to at the last step
 * @param adamBeta2 AdamW's second-moment decay: PyTorch's by default, CLIP's faster-forgetting one from scratch
 * @param positionRateScale the relative position bias tables learn at this multiple of the rate ({@link AdamW}),
 *     from {@code orderFromStep} on (before it, at the rate)
 * @param orderFromStep the step (0-based) from which {@code reversedNegatives} and {@code positionRateScale} apply:
 *     a model that has not yet learned what is in a clip has nothing to put in order, and from random weights the
 *     two kept EgoNCE on its plateau (0, the default, is the whole run)
 * @param denseEvery from {@code denseFromStep} on, every this many steps, one (the last of each group) runs the same
 *     weights dense: full attention and no token pruning, so that the model answers as well dense as sparse (1 trains
 *     a dense model; 0, the default, never)
 * @param denseFromStep the step (0-based) from which {@code denseEvery} applies (0, the default, is the whole run)
 * @param weightDecay AdamW's decoupled decay, on {@link AdamW#decays decayed} parameters only
 * @param warmupSteps steps of linear warm-up
 * @param stages the curriculum, by ascending {@code fromStep}, the first from step 0; empty keeps the model's own
 *     frames and keep rate throughout
 * @param seed seed of the data order
 * @param checkpointEvery write a checkpoint every this many steps (and always after the last)
 */
public record TrainingConfig(
    int batchSize,
    boolean sceneNegatives,
    int reversedNegatives,
    double temperature,
    int steps,
    double learningRate,
    double minLearningRate,
    double adamBeta2,
    double positionRateScale,
    int orderFromStep,
    int denseEvery,
    int denseFromStep,
    double weightDecay,
    int warmupSteps,
    List<CurriculumStage> stages,
    long seed,
    int checkpointEvery) {

  public TrainingConfig {
    stages = List.copyOf(stages);
    check(batchSize >= 2, "batchSize", batchSize, "a contrastive loss needs at least 2 samples a batch");
    check(!sceneNegatives || batchSize % 2 == 0, "batchSize", batchSize,
        "scene-aware negatives pair each anchor with a neighbour, so the batch size must be even");
    check(reversedNegatives >= 0 && reversedNegatives <= batchSize, "reversedNegatives", reversedNegatives,
        "must be in [0, batchSize]");
    check(temperature > 0, "temperature", temperature, "must be positive");
    check(steps >= 1, "steps", steps, "must be at least 1");
    check(learningRate > 0, "learningRate", learningRate, "must be positive");
    check(minLearningRate >= 0 && minLearningRate <= learningRate, "minLearningRate", minLearningRate,
        "must be in [0, learningRate]");
    check(adamBeta2 > 0 && adamBeta2 < 1, "adamBeta2", adamBeta2, "must be in (0, 1)");
    check(positionRateScale > 0, "positionRateScale", positionRateScale, "must be positive");
    check(orderFromStep >= 0, "orderFromStep", orderFromStep, "must be at least 0");
    check(denseEvery >= 0, "denseEvery", denseEvery, "must be at least 0 (0 never runs dense)");
    check(denseFromStep >= 0, "denseFromStep", denseFromStep, "must be at least 0");
    check(weightDecay >= 0 && weightDecay < 1, "weightDecay", weightDecay, "must be in [0, 1)");
    check(warmupSteps >= 0 && warmupSteps < steps, "warmupSteps", warmupSteps, "must be in [0, steps)");
    check(checkpointEvery >= 1, "checkpointEvery", checkpointEvery, "must be at least 1");
    check(stages.isEmpty() || stages.get(0).fromStep() == 0, "stages", stages,
        "the first stage must start at step 0");
    for (int i = 1; i < stages.size(); i++) {
      check(stages.get(i).fromStep() > stages.get(i - 1).fromStep(), "stages", stages,
          "fromStep must increase from stage to stage");
    }
  }

  /**
   * A tiny model from random weights, sized to train in about 90 minutes on two CPU cores. The numbers here are the
   * recipe's only home: {@code train --help} reads them from this method, and the shipped model's card quotes them.
   * Why each part: the temporal sparse expansion curriculum, with a short last stage at 8 frames because the shipped
   * model runs at 4 and an 8-frame step costs two 4-frame ones; a peak rate high enough to leave EgoNCE's plateau
   * early, with a faster-forgetting second moment than PyTorch's default, without which it spiked at the peak and
   * forgot; order learning (reversed negatives, fast position tables) from an early step, since from step 0 it held
   * the loss on its plateau; dense steps in the later part of the run, so that the model answers within 2 points
   * dense as sparse. The runs behind each choice are in docs/training.md.
   */
  public static TrainingConfig fromScratch() {
    return new Builder().learningRate(2e-4).adamBeta2(0.98).steps(2950).warmupSteps(381)
        .stages(List.of(new CurriculumStage(0, 4, 0.7f), new CurriculumStage(2830, 8, 0.6f)))
        .reversedNegatives(16).positionRateScale(100).orderFromStep(636).denseEvery(2).denseFromStep(2150).build();
  }

  /** Fine-tuning an existing model folder: SViTT's lr 3e-5, the model's own frames and keep rate. */
  public static TrainingConfig fineTune() {
    return new Builder().learningRate(3e-5).steps(1000).warmupSteps(50).stages(List.of()).build();
  }

  /** Whether step {@code step} (0-based) learns order: reversed negatives and the position tables' own rate. */
  public boolean learnsOrderAt(int step) {
    return step >= orderFromStep;
  }

  /** Whether step {@code step} (0-based) runs the weights dense. */
  public boolean runsDenseAt(int step) {
    return denseEvery > 0 && step >= denseFromStep && (step - denseFromStep + 1) % denseEvery == 0;
  }

  public LearningRateSchedule schedule() {
    return new LearningRateSchedule(learningRate, minLearningRate, warmupSteps, steps);
  }

  /** The stage step {@code step} (0-based) runs in, or null without a curriculum. */
  public CurriculumStage stageAt(int step) {
    return stages.stream().filter(s -> s.fromStep() <= step).max(Comparator.comparingInt(CurriculumStage::fromStep))
        .orElse(null);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  private static void check(boolean ok, String name, Object value, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }

  /** Builder; defaults are the recipe's (wd 0.02, batch 32) where it has one. */
  public static final class Builder {
    private int batchSize = 32;
    private boolean sceneNegatives = true;
    private int reversedNegatives = 0;
    private double temperature = EgoNce.TEMPERATURE;
    private int steps = 1000;
    private double learningRate = 3e-5;
    private double minLearningRate = 0;
    private double adamBeta2 = 0.999;
    private double positionRateScale = 1;
    private int orderFromStep = 0;
    private int denseEvery = 0;
    private int denseFromStep = 0;
    private double weightDecay = 0.02;
    private int warmupSteps = 0;
    private List<CurriculumStage> stages = new ArrayList<>();
    private long seed = 0;
    private int checkpointEvery = 500;

    public Builder() {}

    Builder(TrainingConfig c) {
      batchSize = c.batchSize;
      sceneNegatives = c.sceneNegatives;
      reversedNegatives = c.reversedNegatives;
      temperature = c.temperature;
      steps = c.steps;
      learningRate = c.learningRate;
      minLearningRate = c.minLearningRate;
      adamBeta2 = c.adamBeta2;
      positionRateScale = c.positionRateScale;
      orderFromStep = c.orderFromStep;
      denseEvery = c.denseEvery;
      denseFromStep = c.denseFromStep;
      weightDecay = c.weightDecay;
      warmupSteps = c.warmupSteps;
      stages = c.stages;
      seed = c.seed;
      checkpointEvery = c.checkpointEvery;
    }

    public Builder batchSize(int v) { batchSize = v; return this; }
    public Builder sceneNegatives(boolean v) { sceneNegatives = v; return this; }
    public Builder reversedNegatives(int v) { reversedNegatives = v; return this; }
    public Builder temperature(double v) { temperature = v; return this; }
    public Builder steps(int v) { steps = v; return this; }
    public Builder learningRate(double v) { learningRate = v; return this; }
    public Builder minLearningRate(double v) { minLearningRate = v; return this; }
    public Builder adamBeta2(double v) { adamBeta2 = v; return this; }
    public Builder positionRateScale(double v) { positionRateScale = v; return this; }
    public Builder orderFromStep(int v) { orderFromStep = v; return this; }
    public Builder denseEvery(int v) { denseEvery = v; return this; }
    public Builder denseFromStep(int v) { denseFromStep = v; return this; }
    public Builder weightDecay(double v) { weightDecay = v; return this; }
    public Builder warmupSteps(int v) { warmupSteps = v; return this; }
    public Builder stages(List<CurriculumStage> v) { stages = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }

    public TrainingConfig build() {
      return new TrainingConfig(batchSize, sceneNegatives, reversedNegatives, temperature, steps, learningRate,
          minLearningRate, adamBeta2, positionRateScale, orderFromStep, denseEvery, denseFromStep, weightDecay,
          warmupSteps, stages, seed, checkpointEvery);
    }
  }
}
