package io.egostream.cli;

import ai.djl.Device;
import io.egostream.model.Devices;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import io.egostream.model.train.CurriculumStage;
import io.egostream.model.train.StepReport;
import io.egostream.model.train.Trainer;
import io.egostream.model.train.TrainingConfig;
import io.egostream.train.EgoClipTrainingData;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code egostream train}: EgoNCE training on an EgoClip file and its videos, from random weights (with the temporal
 * sparse expansion curriculum) or from a model folder (fine-tuning). Resumes by itself from the newest checkpoint in
 * {@code --out}.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Train SViTT-Ego with EgoNCE on EgoClip-style data (e.g. gen-data's egoclip_train.csv and videos/).",
        "From scratch: 4 frames at q_v 0.7, then 8 frames at q_v 0.6 (the paper's curriculum). With --init: fine-tune.",
        "Checkpoints (model folders) go to OUT/checkpoint-NNNNNNNN; an interrupted run resumes from the newest."
    })
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "DIR",
      description = "Data folder holding egoclip_train.csv and videos/ (what gen-data writes).")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where checkpoints go.")
  Path out;

  @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME",
      description = "Architecture when training from scratch (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(names = "--init", paramLabel = "DIR", description = "Fine-tune this model folder instead.")
  Path init;

  @Option(names = "--steps", paramLabel = "N", description = "Training steps (default: the preset run's, 3000).")
  Integer steps;

  @Option(names = "--batch-size", paramLabel = "B", description = "Clips a step (default: the preset run's).")
  Integer batchSize;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of the initial weights and the data order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--checkpoint-every", paramLabel = "N", description = "Steps between checkpoints.")
  Integer checkpointEvery;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws Exception {
    TrainingConfig config = config();
    Device dev = Devices.select(device);
    PrintWriter err = spec.commandLine().getErr();
    try (EgoClipTrainingData samples = EgoClipTrainingData.read(data.resolve("egoclip_train.csv"),
        data.resolve("videos"), 256, line -> err.println("left out: " + line))) {
      Optional<Path> checkpoint = Trainer.latestCheckpoint(out);
      Trainer trainer;
      if (checkpoint.isPresent()) {
        err.println("resuming from " + checkpoint.get());
        trainer = Trainer.resume(checkpoint.get(), config, samples, out, dev);
      } else {
        Files.createDirectories(out);
        SvittEgo model = init != null ? SvittEgo.load(init, dev)
            : SvittEgo.initialize(SvittConfig.preset(preset).toBuilder()
                .frames(config.stages().isEmpty() ? 4 : config.stages().get(0).frames()).build(), seed, dev);
        trainer = Trainer.start(model, config, samples, out);
      }
      try (trainer) {
        err.printf(Locale.ROOT, "training on %d clips: %s%n", samples.size(), config);
        trainer.run(report -> print(err, report));
      }
    }
    spec.commandLine().getOut().println("done: the last checkpoint in " + out + " is the trained model folder");
    return 0;
  }

  /**
   * The preset run, changed by the options. A different --steps scales the warm-up and the curriculum's stage
   * switches with it, so a shorter run keeps the same shape.
   */
  private TrainingConfig config() {
    TrainingConfig preset = init != null ? TrainingConfig.fineTune() : TrainingConfig.fromScratch();
    TrainingConfig.Builder b = preset.toBuilder().seed(seed);
    if (steps != null) {
      double scale = (double) steps / preset.steps();
      b.steps(steps).warmupSteps((int) Math.floor(preset.warmupSteps() * scale));
      List<CurriculumStage> stages = new ArrayList<>();
      for (CurriculumStage stage : preset.stages()) {
        stages.add(new CurriculumStage((int) Math.round(stage.fromStep() * scale), stage.frames(), stage.keepRate()));
      }
      b.stages(stages);
    }
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (checkpointEvery != null) {
      b.checkpointEvery(checkpointEvery);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static void print(PrintWriter err, StepReport r) {
    err.printf(Locale.ROOT, "step %d/%d  loss %.4f  lr %.2e  %.1f clips/s  ETA %s%s%n", r.step(), r.steps(), r.loss(),
        r.learningRate(), r.clipsPerSecond(), Durations.format(r.eta().toMillis() / 1000.0),
        r.checkpoint() == null ? "" : "  checkpoint " + r.checkpoint().getFileName());
    err.flush();
  }
}
