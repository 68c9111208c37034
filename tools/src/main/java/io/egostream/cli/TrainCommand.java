package io.egostream.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.data.EgoMcqJson;
import io.egostream.data.McqQuestion;
import io.egostream.data.ReadResult;
import io.egostream.eval.McqReport;
import io.egostream.eval.McqResults;
import io.egostream.model.Devices;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import io.egostream.model.train.CurriculumStage;
import io.egostream.model.train.StepReport;
import io.egostream.model.train.Trainer;
import io.egostream.model.train.TrainingConfig;
import io.egostream.train.EgoClipTrainingData;
import io.egostream.train.McqValidation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
    resourceBundle = "io.egostream.cli.TrainRecipe",
    description = {
        "Train SViTT-Ego with EgoNCE on EgoClip-style data (e.g. gen-data's egoclip_train.csv and videos/).",
        "From scratch: ${bundle:scratch.steps} steps, ${bundle:scratch.curriculum} (the paper's curriculum), "
            + "learning the order of frames from step ${bundle:scratch.order-from} and running every other step "
            + "dense from step ${bundle:scratch.dense-from}. With --init: fine-tune (${bundle:finetune.steps} steps "
            + "at lr ${bundle:finetune.lr}).",
        "Checkpoints (model folders) go to OUT/checkpoint-NNNNNNNN; an interrupted run resumes from the newest."
    })
final class TrainCommand implements Callable<Integer> {
  /** Where each validation's figures are appended, in --out. */
  static final String VALIDATION_LOG = "validation.jsonl";
  /** How long Ctrl-C waits for the step in progress and its checkpoint (a step takes seconds on 2 cores). */
  private static final Duration STOP_WAIT = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();

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

  @Option(names = "--steps", paramLabel = "N", description = "Training steps (default: ${bundle:scratch.steps} from "
      + "scratch, ${bundle:finetune.steps} fine-tuning). Another number scales the warm-up and every step below.")
  Integer steps;

  @Option(names = "--batch-size", paramLabel = "B",
      description = "Clips a step (default: ${bundle:scratch.batch}).")
  Integer batchSize;

  @Option(names = "--learning-rate", paramLabel = "LR",
      description = "Peak learning rate after warm-up (default: ${bundle:scratch.lr} from scratch after "
          + "${bundle:scratch.warmup} warm-up steps, ${bundle:finetune.lr} fine-tuning).")
  Double learningRate;

  @Option(names = "--adam-beta2", paramLabel = "B2",
      description = "AdamW's second-moment decay (default: ${bundle:scratch.beta2} from scratch, "
          + "${bundle:finetune.beta2} fine-tuning).")
  Double adamBeta2;

  @Option(names = "--position-lr-scale", paramLabel = "S",
      description = "The video encoder's relative position bias tables learn at S times the rate (default: "
          + "${bundle:scratch.position-scale} from scratch, ${bundle:finetune.position-scale} fine-tuning).")
  Double positionLrScale;

  @Option(names = "--reversed-negatives", paramLabel = "R",
      description = "The first R clips of each batch also go through the video encoder played backwards, as "
          + "negatives for their own narrations (default: ${bundle:scratch.reversed} from scratch, "
          + "${bundle:finetune.reversed} fine-tuning).")
  Integer reversedNegatives;

  @Option(names = "--order-from-step", paramLabel = "N",
      description = "The step from which --reversed-negatives and --position-lr-scale apply (default: "
          + "${bundle:scratch.order-from} from scratch, ${bundle:finetune.order-from} fine-tuning).")
  Integer orderFromStep;

  @Option(names = "--dense-every", paramLabel = "K",
      description = "Every K-th step runs the same weights dense (full attention, no token pruning), so that the "
          + "model answers as well dense as sparse; 1 trains a dense model; 0 never (default: "
          + "${bundle:scratch.dense-every} from scratch, ${bundle:finetune.dense-every} fine-tuning).")
  Integer denseEvery;

  @Option(names = "--dense-from-step", paramLabel = "N",
      description = "The step from which --dense-every applies (default: ${bundle:scratch.dense-from} from scratch, "
          + "${bundle:finetune.dense-from} fine-tuning).")
  Integer denseFromStep;

  @Option(names = "--scene-negatives", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "EgoVLP's scene-aware negatives: each anchor brings a clip of its video close in time into the "
          + "batch (on by default; --no-scene-negatives draws every sample at random).")
  boolean sceneNegatives;

  @Option(names = "--temperature", paramLabel = "TAU",
      description = "EgoNCE's temperature (default: EgoVLP's ${bundle:scratch.temperature}).")
  Double temperature;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of the initial weights and the data order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--checkpoint-every", paramLabel = "N",
      description = "Steps between checkpoints (default: ${bundle:scratch.checkpoint-every}).")
  Integer checkpointEvery;

  @Option(names = "--validate-every", defaultValue = "250", paramLabel = "N",
      description = "Steps between EgoMCQ validations on DATA/egomcq_val.json, and one after the last step; 0 turns "
          + "validation off (default: ${DEFAULT-VALUE}).")
  int validateEvery;

  @Option(names = "--val-questions", defaultValue = "200", paramLabel = "N",
      description = "Validation questions: the first N of egomcq_val.json (default: ${DEFAULT-VALUE}).")
  int valQuestions;

  @Option(names = "--export", paramLabel = "DIR",
      description = "After the last step, also write the trained model here as a float16 model folder (half the "
          + "bytes of a checkpoint; how the model under model/trained/ was made).")
  Path export;

  @Option(names = "--export-frames", paramLabel = "T",
      description = "Export the model to run at T frames a clip (relative position tables resampled in time) instead "
          + "of the frames it was trained at; needs --export.")
  Integer exportFrames;

  @Option(names = "--export-keep-rate", paramLabel = "Q",
      description = "Export the model to keep the share Q of patch tokens at each pruning layer (q_v) instead of the "
          + "keep rate it was trained at last; needs --export.")
  Float exportKeepRate;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws Exception {
    TrainingConfig config = config();
    if (validateEvery < 0 || valQuestions < 1) {
      throw new ParameterException(spec.commandLine(), "Invalid validation options: --validate-every must be 0 or "
          + "more (0 = off) and --val-questions at least 1, given " + validateEvery + " and " + valQuestions);
    }
    if (exportFrames != null && (export == null || exportFrames < 1)) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + exportFrames + " for --export-frames: "
          + "it needs --export DIR and at least 1 frame");
    }
    if (exportKeepRate != null && (export == null || !(exportKeepRate > 0 && exportKeepRate <= 1))) {
      throw new ParameterException(spec.commandLine(), "Invalid value " + exportKeepRate + " for --export-keep-rate: "
          + "it needs --export DIR and a keep rate in (0, 1]");
    }
    Device dev = Devices.select(device);
    PrintWriter err = spec.commandLine().getErr();
    McqValidation validation = validateEvery == 0 ? null : validation(err);
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
      err.printf(Locale.ROOT, "training on %d clips: %s%n", samples.size(), config);
      runAndClose(trainer, report -> {
        print(err, report);
        if (validation != null && (report.step() % validateEvery == 0 || report.step() == report.steps())) {
          validate(validation, trainer, report.step(), err);
        }
      });
      if (trainer.step() < config.steps()) {
        err.println("stopped after step " + trainer.step() + ": run the same command again to resume from "
            + Trainer.latestCheckpoint(out).orElseThrow());
        return 130;
      }
    }
    Path last = Trainer.latestCheckpoint(out).orElseThrow();
    if (export != null) {
      try (SvittEgo model = SvittEgo.load(last, dev, c -> c.toBuilder()
          .frames(exportFrames == null ? c.frames() : exportFrames)
          .keepRate(exportKeepRate == null ? c.keepRate() : exportKeepRate).build())) {
        model.saveTrained(export, DataType.FLOAT16);
        spec.commandLine().getOut().println("done: " + last + " is the trained model folder, exported as float16 "
            + "for " + model.config().frames() + " frames at q_v " + model.config().keepRate() + " to " + export);
      }
    } else {
      spec.commandLine().getOut().println("done: " + last + " is the trained model folder");
    }
    return 0;
  }

  /**
   * Runs the trainer and closes it. Ctrl-C or SIGTERM asks it to stop after the step in progress and checkpoint it,
   * and the JVM waits until the trainer has released libtorch's memory (exiting mid-step crashes the JVM in libtorch).
   */
  private static void runAndClose(Trainer trainer, Consumer<StepReport> progress) throws IOException {
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      trainer.requestStop();
      try {
        closed.await(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "egostream-train-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (trainer) {
      trainer.run(progress);
    } finally {
      closed.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is already running: it returns now that the latch is open
      }
    }
  }

  private McqValidation validation(PrintWriter err) throws IOException {
    Path file = data.resolve("egomcq_val.json");
    if (!Files.isRegularFile(file)) {
      err.println("no validation: " + file + " does not exist (gen-data writes it; --validate-every 0 silences this)");
      return null;
    }
    ReadResult<McqQuestion> read = EgoMcqJson.read(file);
    if (read.items().isEmpty()) {
      err.println("no validation: " + file + " holds no well-formed question");
      return null;
    }
    return new McqValidation(read.items().subList(0, Math.min(valQuestions, read.items().size())),
        data.resolve("videos"));
  }

  /** Prints the figures and appends them to OUT/validation.jsonl, one JSON object a line. */
  private void validate(McqValidation validation, Trainer trainer, int step, PrintWriter err) {
    McqValidation.Result r = validation.run(trainer.model(), step);
    err.printf(Locale.ROOT,
        "validation at step %d: inter-video %s, intra-video %s (%d questions, %d skipped, %.0f s)%n",
        step, percent(r.interVideo()), percent(r.intraVideo()), validation.size(), r.skipped(), r.seconds());
    err.flush();
    ObjectNode line = JSON.createObjectNode();
    line.put("step", step);
    McqReport.tally(line.putObject("inter_video"), r.interVideo());
    McqReport.tally(line.putObject("intra_video"), r.intraVideo());
    line.put("skipped", r.skipped());
    line.put("seconds", Math.round(r.seconds() * 10) / 10.0);
    try {
      Files.writeString(out.resolve(VALIDATION_LOG), line + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot append to " + out.resolve(VALIDATION_LOG), e);
    }
  }

  private static String percent(McqResults.Tally t) {
    return t.count() == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f %%", t.accuracy());
  }

  /**
   * The preset run, changed by the options. A different --steps scales the warm-up, the curriculum's stage switches
   * and the starts of order learning and dense steps with it, so a shorter run keeps the same shape.
   */
  private TrainingConfig config() {
    TrainingConfig preset = init != null ? TrainingConfig.fineTune() : TrainingConfig.fromScratch();
    TrainingConfig.Builder b = preset.toBuilder().seed(seed).sceneNegatives(sceneNegatives);
    if (steps != null) {
      double scale = (double) steps / preset.steps();
      b.steps(steps).warmupSteps((int) Math.floor(preset.warmupSteps() * scale));
      List<CurriculumStage> stages = new ArrayList<>();
      for (CurriculumStage stage : preset.stages()) {
        stages.add(new CurriculumStage((int) Math.round(stage.fromStep() * scale), stage.frames(), stage.keepRate()));
      }
      b.stages(stages).orderFromStep((int) Math.round(preset.orderFromStep() * scale))
          .denseFromStep((int) Math.round(preset.denseFromStep() * scale));
    }
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (learningRate != null) {
      b.learningRate(learningRate);
    }
    if (adamBeta2 != null) {
      b.adamBeta2(adamBeta2);
    }
    if (positionLrScale != null) {
      b.positionRateScale(positionLrScale);
    }
    if (reversedNegatives != null) {
      b.reversedNegatives(reversedNegatives);
    }
    if (orderFromStep != null) {
      b.orderFromStep(orderFromStep);
    }
    if (denseEvery != null) {
      b.denseEvery(denseEvery);
    }
    if (denseFromStep != null) {
      b.denseFromStep(denseFromStep);
    }
    if (temperature != null) {
      b.temperature(temperature);
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
