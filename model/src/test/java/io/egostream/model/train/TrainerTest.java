package io.egostream.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import io.egostream.model.Param;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import io.egostream.model.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  private static final TrainingData DATA = new SyntheticClips();

  /**
   * The CI-sized smoke test: 50 steps on eight synthetic clips. EgoNCE must fall clearly, and the model's live
   * native arrays must not grow from step to step (a leak there costs ~0.85 GB a step at full size).
   */
  @Test
  void lossGoesDownWithoutLeaking(@TempDir Path out) throws Exception {
    // A short warm-up, then a cosine decay only to a tenth: the first steps sit near the uniform level while the
    // text [CLS] learns to depend on the words (see SyntheticClips), so the rate must still be high when the run
    // takes off; and it must be lower at the end, where a constant 1e-3 let a spike land in the last five steps on
    // an AVX-512 machine (from 1.2 at step 42 to a last-5 mean of 2.96; the run is chaotic, so it depends on the
    // CPU's rounding).
    TrainingConfig config = new TrainingConfig.Builder().batchSize(8).steps(50).learningRate(1e-3)
        .minLearningRate(1e-4).warmupSteps(5)
        .checkpointEvery(1000).seed(1).build();
    List<Float> losses = new ArrayList<>();
    List<Integer> liveArrays = new ArrayList<>();
    long started = System.nanoTime();
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(TestModels.micro(), 1, Device.cpu()), config, DATA,
        out)) {
      trainer.run(r -> {
        losses.add(r.loss());
        liveArrays.add(trainer.model().liveArrays());
      });
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double first = mean(losses.subList(0, 5));
    double last = mean(losses.subList(losses.size() - 5, losses.size()));
    System.out.printf("EgoNCE first-5 %.3f, last-5 %.3f, %d steps in %.1f s; losses %s%n", first, last,
        losses.size(), seconds, losses);
    assertTrue(last < 0.7 * first, "EgoNCE did not fall: first-5 mean " + first + ", last-5 mean " + last);
    // And clearly below 2·ln 8, where every text and clip is equally similar (the collapse the run starts near).
    double uniform = 2 * Math.log(8);
    assertTrue(last < 0.75 * uniform, "EgoNCE stayed near the uniform level " + uniform + ": last-5 mean " + last);
    assertEquals(Set.of(liveArrays.get(0)), Set.copyOf(liveArrays), "live arrays per step: " + liveArrays);
  }

  /**
   * At step 1 every parameter EgoNCE reaches gets a non-zero gradient, and exactly the others (fusion layers,
   * vision_layernorm, itm_head, temp) get none. BERT's key biases are reached but their gradient is zero in exact
   * arithmetic (a key bias adds the same q·b to every score of a query row, and softmax ignores that), so only
   * rounding noise arrives there: they must be tiny next to the query biases'.
   */
  @Test
  void everyReachedParameterGetsAGradientAtStepOne() {
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 3, Device.cpu())) {
      model.stateDict().params().forEach(p -> p.array().setRequiresGradient(true));
      List<TrainingSample> batch = new ArrayList<>();
      for (int i = 0; i < DATA.size(); i++) {
        batch.add(DATA.sample(i, model.config().frames()));
      }
      Trainer.forwardBackward(model, batch, 0, EgoNce.TEMPERATURE);
      Set<String> zero = new TreeSet<>();
      Set<String> unreached = new TreeSet<>();
      double keyBiasMax = 0;
      double queryBiasMin = Double.MAX_VALUE;
      for (Param p : model.stateDict().params()) {
        double norm;
        try (NDScope ignored = new NDScope()) {
          norm = p.array().getGradient().abs().max().getFloat();
        }
        if (!EgoNce.reaches(p.name(), model.config())) {
          unreached.add(p.name());
        }
        if (p.name().endsWith("attention.self.key.bias") && EgoNce.reaches(p.name(), model.config())) {
          keyBiasMax = Math.max(keyBiasMax, norm);
        } else if (norm == 0) {
          zero.add(p.name());
        }
        if (p.name().endsWith("attention.self.query.bias") && EgoNce.reaches(p.name(), model.config())) {
          queryBiasMin = Math.min(queryBiasMin, norm);
        }
      }
      System.out.printf("max |grad| of key biases %.3g, min of reached query biases %.3g%n", keyBiasMax,
          queryBiasMin);
      assertEquals(unreached, zero, "parameters without a gradient");
      assertTrue(unreached.contains("temp") && unreached.contains("itm_head.weight")
          && unreached.contains("vision_layernorm.weight")
          && unreached.stream().allMatch(n -> !n.startsWith("vision_encoder.")), "unreached: " + unreached);
      assertTrue(keyBiasMax < 1e-3 * queryBiasMin,
          "key bias gradients should be rounding noise: " + keyBiasMax + " vs " + queryBiasMin);
    }
  }

  /**
   * Reversed negatives teach the order of frames, once the position tables can learn fast enough. Every synthetic
   * clip's square moves, so each clip played backwards shows another motion. After 150 steps with the whole batch
   * also reversed and the tables at 30 times the rate, each narration scores its clip clearly above the reversed
   * clip. Plain EgoNCE never has to look at the order (its clips also differ in colour), and at one rate for all the
   * tables, which are the encoder's only sense of time, stay too close to zero to tell the two apart.
   */
  @Test
  void reversedNegativesTeachTheOrderOfFrames(@TempDir Path out) throws Exception {
    double taught = orderMargin(8, 30, out.resolve("taught"));
    double plain = orderMargin(0, 30, out.resolve("plain"));
    double slowTables = orderMargin(8, 1, out.resolve("slow-tables"));
    System.out.printf("mean cos(text, clip) - cos(text, reversed clip): reversed negatives %.3f, plain EgoNCE %.3f, "
        + "one rate for all %.3f%n", taught, plain, slowTables);
    assertTrue(taught > 0.15 && taught > plain + 0.1 && taught > slowTables + 0.1,
        "reversed negatives " + taught + ", plain " + plain + ", one rate " + slowTables);
  }

  /**
   * Order learning waits for {@code orderFromStep}: with it at 1, step 1 is plain EgoNCE at one rate (the same loss as
   * a plain run, the tables moved by lr as Adam's first update moves every weight) and step 2 adds the reversed
   * negatives (a larger loss on the same weights: each only adds to a softmax denominator) and moves the tables at
   * 30 times the rate.
   */
  @Test
  void orderLearningStartsAtItsStep(@TempDir Path out) throws Exception {
    TrainingConfig plain = new TrainingConfig.Builder().batchSize(8).steps(2).learningRate(1e-3)
        .minLearningRate(1e-3).checkpointEvery(1000).seed(1).build();
    TrainingConfig late = plain.toBuilder().reversedNegatives(8).positionRateScale(30).orderFromStep(1).build();
    assertTrue(!late.learnsOrderAt(0) && late.learnsOrderAt(1));
    String table =
        "vision_encoder.encoder.layer.0.attention.attention.relative_position_bias.relative_position_bias_table";
    List<Float> plainLosses = new ArrayList<>();
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(TestModels.micro(), 1, Device.cpu()), plain, DATA,
        out.resolve("plain"))) {
      trainer.run(r -> plainLosses.add(r.loss()));
    }
    List<Float> lateLosses = new ArrayList<>();
    List<Double> tableMoves = new ArrayList<>();
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(TestModels.micro(), 1, Device.cpu()), late, DATA,
        out.resolve("late"))) {
      float[] before = TestModels.param(trainer.model(), table).array().toFloatArray();
      trainer.run(r -> {
        lateLosses.add(r.loss());
        float[] now = TestModels.param(trainer.model(), table).array().toFloatArray();
        double move = 0;
        for (int i = 0; i < now.length; i++) {
          move = Math.max(move, Math.abs(now[i] - before[i]));
        }
        tableMoves.add(move);
      });
    }
    System.out.printf("losses plain %s, order from step 1 %s; largest table move %s%n", plainLosses, lateLosses,
        tableMoves);
    assertEquals(plainLosses.get(0), lateLosses.get(0), 1e-4, "step 1 is plain EgoNCE");
    assertTrue(tableMoves.get(0) <= 1e-3 * 1.01, "step 1 moves the tables by lr at most: " + tableMoves);
    assertTrue(lateLosses.get(1) > plainLosses.get(1) + 1e-3, "step 2 adds reversed negatives: " + lateLosses);
    assertTrue(tableMoves.get(1) > 5e-3, "step 2 moves the tables at 30 times the rate: " + tableMoves);
  }

  /**
   * Dense steps run the same weights dense: with {@code denseEvery} 1 the run is step for step the run of a model
   * built dense; with 2, or with 1 from step 1 on, step 1 is the sparse run's and step 2 is not.
   */
  @Test
  void denseStepsRunTheSameWeightsDense(@TempDir Path out) throws Exception {
    TrainingConfig sparse = new TrainingConfig.Builder().batchSize(8).steps(2).learningRate(1e-3)
        .minLearningRate(1e-3).checkpointEvery(1000).seed(1).build();
    List<Float> sparseLosses = losses(TestModels.micro(), sparse, out.resolve("sparse"));
    List<Float> denseModel = losses(TestModels.micro().dense(), sparse, out.resolve("dense-model"));
    List<Float> allDense = losses(TestModels.micro(), sparse.toBuilder().denseEvery(1).build(), out.resolve("all"));
    List<Float> alternate = losses(TestModels.micro(), sparse.toBuilder().denseEvery(2).build(), out.resolve("alt"));
    System.out.printf("losses sparse %s, dense model %s, dense every step %s, every 2nd %s%n", sparseLosses,
        denseModel, allDense, alternate);
    assertTrue(Math.abs(sparseLosses.get(0) - denseModel.get(0)) > 1e-4, "dense must differ: " + denseModel);
    assertEquals(denseModel.get(0), allDense.get(0), 1e-5);
    assertEquals(denseModel.get(1), allDense.get(1), 1e-5);
    assertEquals(sparseLosses.get(0), alternate.get(0), 1e-5);
    assertTrue(Math.abs(sparseLosses.get(1) - alternate.get(1)) > 1e-4, "step 2 runs dense: " + alternate);
    TrainingConfig late = sparse.toBuilder().denseEvery(1).denseFromStep(1).build();
    assertTrue(!late.runsDenseAt(0) && late.runsDenseAt(1));
    List<Float> lateDense = losses(TestModels.micro(), late, out.resolve("late"));
    assertEquals(sparseLosses.get(0), lateDense.get(0), 1e-5);
    assertTrue(Math.abs(sparseLosses.get(1) - lateDense.get(1)) > 1e-4, "step 2 runs dense: " + lateDense);
  }

  private static List<Float> losses(SvittConfig model, TrainingConfig config, Path out) throws Exception {
    List<Float> losses = new ArrayList<>();
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(model, 1, Device.cpu()), config, DATA, out)) {
      trainer.run(r -> losses.add(r.loss()));
    }
    return losses;
  }

  /** Trains the micro model 150 steps, then: mean over the samples of cos(text, clip) − cos(text, clip reversed). */
  private static double orderMargin(int reversedNegatives, double positionRateScale, Path out) throws Exception {
    TrainingConfig config = new TrainingConfig.Builder().batchSize(8).steps(150).learningRate(1e-3)
        .minLearningRate(1e-3).warmupSteps(5).reversedNegatives(reversedNegatives)
        .positionRateScale(positionRateScale).checkpointEvery(1000).seed(1).build();
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(TestModels.micro(), 1, Device.cpu()), config, DATA,
        out)) {
      trainer.run(r -> { });
      SvittEgo model = trainer.model();
      List<TrainingSample> samples = new ArrayList<>();
      for (int i = 0; i < DATA.size(); i++) {
        samples.add(DATA.sample(i, model.config().frames()));
      }
      var texts = model.embedTexts(samples.stream().map(TrainingSample::text).toList());
      var clips = model.embedClips(samples.stream().map(TrainingSample::clip).toList());
      var backwards = model.embedClips(samples.stream().map(s -> s.clip().reversed()).toList());
      double margin = 0;
      for (int i = 0; i < samples.size(); i++) {
        float[] t = texts.get(i).vector();
        margin += SvittEgo.cosine(t, clips.get(i).vector()) - SvittEgo.cosine(t, backwards.get(i).vector());
      }
      return margin / samples.size();
    }
  }

  /**
   * 6 steps in one go and 2 + (stop requested, as by Ctrl-C) + 4 resumed give the same weights, across a curriculum
   * switch; the stop checkpoints the step it finished although the checkpoint interval is 3.
   */
  @Test
  void resumedRunMatchesAnUninterruptedOne(@TempDir Path tmp) throws Exception {
    TrainingConfig config = new TrainingConfig.Builder().batchSize(4).steps(6).learningRate(1e-3).warmupSteps(2)
        .checkpointEvery(3).seed(5)
        .stages(List.of(new CurriculumStage(0, 2, 0.7f), new CurriculumStage(4, 4, 0.6f))).build();
    List<float[]> whole;
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(TestModels.micro(), 9, Device.cpu()), config, DATA,
        tmp.resolve("whole"))) {
      trainer.run(r -> { });
      assertEquals(4, trainer.model().config().frames());
      whole = weights(trainer.model());
    }

    Path out = tmp.resolve("interrupted");
    try (Trainer trainer = Trainer.start(SvittEgo.initialize(TestModels.micro(), 9, Device.cpu()), config, DATA,
        out)) {
      trainer.run(r -> {
        if (r.step() == 2) {
          trainer.requestStop();
        }
      });
      assertEquals(2, trainer.step(), "the stop lands after the step in progress");
    }
    Path checkpoint = Trainer.latestCheckpoint(out).orElseThrow();
    assertEquals("checkpoint-00000002", checkpoint.getFileName().toString());
    try (Trainer trainer = Trainer.resume(checkpoint, config, DATA, out, Device.cpu())) {
      assertEquals(2, trainer.step());
      trainer.run(r -> { });
      List<float[]> resumed = weights(trainer.model());
      double maxDiff = 0;
      for (int i = 0; i < whole.size(); i++) {
        for (int j = 0; j < whole.get(i).length; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(whole.get(i)[j] - resumed.get(i)[j]));
        }
      }
      System.out.println("max |whole - resumed| = " + maxDiff);
      assertTrue(maxDiff <= 1e-6, "resumed run differs by " + maxDiff);
    }
  }

  private static List<float[]> weights(SvittEgo model) {
    List<float[]> out = new ArrayList<>();
    for (Param p : model.stateDict().params()) {
      out.add(p.array().toFloatArray());
    }
    return out;
  }

  private static double mean(List<Float> values) {
    return values.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
  }
}
