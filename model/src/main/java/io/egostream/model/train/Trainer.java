package io.egostream.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.egostream.model.Clip;
import io.egostream.model.Param;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Trains SViTT-Ego's dual encoder with EgoNCE: per step, a batch in seeded order → both encoders → EgoNCE →
 * backward → AdamW at the scheduled rate. The temporal sparse expansion curriculum switches frames and keep rate
 * between steps; checkpoints are model folders plus the optimizer and the step, so a run resumes exactly.
 *
 * <p>Native memory: forward and backward run in one {@link NDScope} per step, which frees every intermediate and
 * the autograd graph when it closes (without it ~0.85 GB leaked per step: docs/model.md); the update runs after it,
 * on buffers that live as long as the optimizer.
 *
 * <p>A stage switch rebuilds the model around copies of the same tensors ({@link SvittEgo#withClipShape}, which
 * resamples the relative position bias tables) and starts a fresh AdamW, as the released recipe starts its second
 * stage as a new run from the first stage's weights; the learning-rate schedule runs on across it.
 */
public final class Trainer implements AutoCloseable {
  private final TrainingConfig config;
  private final TrainingData data;
  private final Path outputDir;
  private final DataOrder order;
  private final LearningRateSchedule schedule;
  private SvittEgo model;
  /** {@code model}'s weights run dense, for {@link TrainingConfig#runsDenseAt} steps; built at the first one. */
  private SvittEgo dense;
  private AdamW optimizer;
  private int step;
  /**
   * Gradients are clipped to this global L2 norm: a post-norm BERT at initialisation gives nearly constant [CLS]
   * vectors, whose LayerNorm backward can explode on one unlucky batch.
   */
  static final double MAX_GRADIENT_NORM = 1.0;
  /** Non-finite steps tolerated in a row before the run is declared diverged. */
  static final int MAX_SKIPPED_IN_A_ROW = 10;
  private int skippedInARow;
  private volatile boolean stopRequested;

  private Trainer(SvittEgo model, TrainingConfig config, TrainingData data, Path outputDir, int step) {
    this.config = config;
    this.data = data;
    this.outputDir = outputDir;
    this.order = new DataOrder(data, config.batchSize(), config.sceneNegatives(), config.seed());
    this.schedule = config.schedule();
    this.model = model;
    this.optimizer = newOptimizer(model, config);
    this.step = step;
  }

  /** A new run from {@code model} (initialised or loaded; the trainer owns and closes it from now on). */
  public static Trainer start(SvittEgo model, TrainingConfig config, TrainingData data, Path outputDir) {
    return new Trainer(model, config, data, outputDir, 0);
  }

  /**
   * Continues the run that wrote {@code checkpoint}: its weights, optimizer moments and step. The rest of the run
   * gives the same weights as an uninterrupted one. Refuses a checkpoint written with another training config.
   */
  public static Trainer resume(Path checkpoint, TrainingConfig config, TrainingData data, Path outputDir,
      Device device) throws IOException {
    Checkpoint.State state = Checkpoint.readState(checkpoint);
    if (!state.training().equals(config)) {
      throw new IllegalArgumentException("Cannot resume " + checkpoint + " with another training config: it was "
          + "written by " + state.training() + ", given " + config + " (resume with the original settings, or start "
          + "a new run from its model folder)");
    }
    SvittEgo model = SvittEgo.load(checkpoint, device);
    Trainer trainer = null;
    try {
      trainer = new Trainer(model, config, data, outputDir, state.step());
      trainer.optimizer.load(checkpoint.resolve(Checkpoint.OPTIMIZER), state.optimizerUpdates());
      return trainer;
    } catch (IOException | RuntimeException e) {
      if (trainer != null) {
        trainer.close();
      } else {
        model.close();
      }
      throw e;
    }
  }

  /** The newest checkpoint under {@code outputDir}, if any. */
  public static Optional<Path> latestCheckpoint(Path outputDir) throws IOException {
    return Checkpoint.latest(outputDir);
  }

  /**
   * Runs the remaining steps, reporting each; a checkpoint is written every N steps and after the last. Returns
   * early, after a checkpoint of the step it finished, once {@link #requestStop()} was called.
   */
  public void run(Consumer<StepReport> progress) throws IOException {
    long started = System.nanoTime();
    int stepsHere = 0;
    int checkpointed = step;
    while (step < config.steps() && !stopRequested) {
      double lr = schedule.rate(step);
      float loss = trainStep(step, lr);
      step++;
      stepsHere++;
      Path written = null;
      if (step % config.checkpointEvery() == 0 || step == config.steps() || stopRequested) {
        written = Checkpoint.write(outputDir, step, model, optimizer, config);
        checkpointed = step;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      Duration eta = Duration.ofMillis(Math.round(seconds / stepsHere * (config.steps() - step) * 1000));
      progress.accept(new StepReport(step, config.steps(), loss, lr,
          stepsHere * config.batchSize() / seconds, eta, written));
    }
    if (checkpointed != step) {
      Checkpoint.write(outputDir, step, model, optimizer, config); // stopped from within a report
    }
  }

  /**
   * Asks {@link #run} to stop after the step in progress and checkpoint it (from any thread, e.g. a shutdown hook:
   * libtorch must not be torn down in the middle of a step, and the run resumes from that checkpoint).
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** The model being trained (replaced at a curriculum stage switch; owned by the trainer). */
  public SvittEgo model() {
    return model;
  }

  /** Steps completed. */
  public int step() {
    return step;
  }

  @Override
  public void close() {
    closeDenseView();
    optimizer.close();
    model.close();
  }

  private float trainStep(int index, double lr) {
    CurriculumStage stage = config.stageAt(index);
    if (stage != null
        && (stage.frames() != model.config().frames() || stage.keepRate() != model.config().keepRate())) {
      switchStage(stage);
    }
    List<TrainingSample> batch = new ArrayList<>();
    for (int i : order.batch(index)) {
      batch.add(data.sample(i, model.config().frames()));
    }
    boolean order = config.learnsOrderAt(index);
    SvittEgo runAs = model;
    if (config.runsDenseAt(index)) {
      if (dense == null) {
        dense = model.denseView();
      }
      runAs = dense;
    }
    float loss = forwardBackward(runAs, batch, order ? config.reversedNegatives() : 0, (float) config.temperature());
    double gradientNorm = optimizer.clipGradientNorm(MAX_GRADIENT_NORM);
    if (!Float.isFinite(loss) || !Double.isFinite(gradientNorm)) {
      // One overflowing batch is skipped, as mixed-precision trainers do; a run of them means divergence.
      optimizer.zeroGradients();
      if (++skippedInARow > MAX_SKIPPED_IN_A_ROW) {
        throw new IllegalStateException("Training diverged at step " + (index + 1) + ": EgoNCE " + loss
            + ", gradient norm " + gradientNorm + " for " + skippedInARow + " steps in a row (lower the learning "
            + "rate or lengthen the warm-up)");
      }
      return loss;
    }
    skippedInARow = 0;
    optimizer.step(lr, order ? config.positionRateScale() : 1);
    return loss;
  }

  private void switchStage(CurriculumStage stage) {
    SvittEgo next = model.withClipShape(stage.frames(), stage.keepRate());
    closeDenseView();
    optimizer.close();
    model.close();
    model = next;
    optimizer = newOptimizer(model, config);
  }

  private void closeDenseView() {
    if (dense != null) {
      dense.close();
      dense = null;
    }
  }

  /**
   * EgoNCE of one batch, with the gradients of every parameter that requires one accumulated; the first
   * {@code reversedNegatives} clips also go through the video encoder played backwards, as negatives for their own
   * narrations ({@link EgoNce#loss(NDArray, NDArray, NDArray, boolean[][], float)}). Everything the pass creates,
   * the autograd graph included, is freed when the scope closes.
   */
  static float forwardBackward(SvittEgo model, List<TrainingSample> batch, int reversedNegatives, float temperature) {
    List<Clip> clips = new ArrayList<>(batch.stream().map(TrainingSample::clip).toList());
    batch.subList(0, reversedNegatives).forEach(s -> clips.add(s.clip().reversed()));
    List<String> texts = batch.stream().map(TrainingSample::text).toList();
    boolean[][] positives = EgoNce.positives(batch.stream().map(TrainingSample::verbs).toList(),
        batch.stream().map(TrainingSample::nouns).toList());
    try (NDScope ignored = new NDScope();
        GradientCollector tape = anyParam(model).getManager().getEngine().newGradientCollector()) {
      SvittEgo.Embeddings e = model.embedForTraining(clips, texts);
      int b = batch.size();
      NDArray reversed = reversedNegatives == 0 ? null : e.clips().get(b + ":");
      NDArray loss = EgoNce.loss(e.texts(), e.clips().get(":" + b), reversed, positives, temperature);
      tape.backward(loss);
      return loss.getFloat();
    }
  }

  /** AdamW over the parameters EgoNCE reaches, each marked to record its gradient (DJL 0.36 has no attachGradient). */
  private static AdamW newOptimizer(SvittEgo model, TrainingConfig config) {
    List<Param> trained = new ArrayList<>();
    for (Param p : model.stateDict().params()) {
      if (EgoNce.reaches(p.name(), model.config())) {
        p.array().setRequiresGradient(true);
        trained.add(p);
      }
    }
    return new AdamW(trained, (float) config.adamBeta2(), (float) config.weightDecay(), anyParam(model).getDevice());
  }

  private static NDArray anyParam(SvittEgo model) {
    return model.stateDict().params().iterator().next().array();
  }
}
