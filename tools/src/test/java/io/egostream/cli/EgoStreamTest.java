package io.egostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.train.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and error output of the command line; nothing here loads a model. */
class EgoStreamTest {

  @TempDir Path dir;

  private final CommandRun command = new CommandRun();

  private int run(String... args) {
    return command.run(args);
  }

  @Test
  void helpListsTheCommandsAndDefaults() {
    assertEquals(0, run("--help"));
    assertTrue(command.out().contains("embed") && command.out().contains("init-model"), command.out());
    assertEquals(0, run("embed", "--help"));
    assertTrue(command.out().contains("(default: 4)"), command.out());
    assertEquals(0, run("--version"));
    assertTrue(command.out().contains("egostream"), command.out());
  }

  /** The numbers in train --help come from TrainingConfig, so a change of the recipe cannot leave them behind. */
  @Test
  void trainHelpReadsTheRecipesNumbersFromTrainingConfig() {
    TrainingConfig scratch = TrainingConfig.fromScratch();
    TrainingConfig fineTune = TrainingConfig.fineTune();
    assertEquals(0, run("train", "--help"));
    String help = command.out().replaceAll("\\s+", " ");
    assertFalse(help.contains("${"), help);
    assertTrue(help.contains("From scratch: " + scratch.steps() + " steps, " + TrainRecipe.curriculum(scratch)
        + " (the paper's curriculum), learning the order of frames from step " + scratch.orderFromStep()
        + " and running every other step dense from step " + scratch.denseFromStep() + "."), help);
    assertTrue(help.contains("(default: " + scratch.steps() + " from scratch, " + fineTune.steps() + " fine-tuning)"),
        help);
    assertTrue(help.contains("(default: " + TrainRecipe.number(scratch.learningRate()) + " from scratch after "
        + scratch.warmupSteps() + " warm-up steps, " + TrainRecipe.number(fineTune.learningRate()) + " fine-tuning)"),
        help);
    assertEquals(List.of("2e-4", "3e-5", "0.98", "100", "0.7"), List.of(TrainRecipe.number(2e-4),
        TrainRecipe.number(3e-5), TrainRecipe.number(0.98), TrainRecipe.number(100.0), TrainRecipe.number(0.7f)));
  }

  @Test
  void keepsDjlOffline() {
    EgoStream.commandLine();
    assertEquals("true", System.getProperty("ai.djl.offline"));
    assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
  }

  @Test
  void usageErrorsExitWith2() {
    assertEquals(2, run());
    assertEquals(2, run("no-such-command"));
    assertEquals(2, run("embed", "--video", "x.mp4"));
    assertTrue(command.err().contains("--out"), command.err());
    assertEquals(2, run("embed", "--model", "m", "--video", "v.mp4", "--out", "o.jsonl", "--clip-seconds", "0"));
    assertTrue(command.err().contains("clip seconds"), command.err());
    assertEquals(2, run("embed", "--video", "v.mp4", "--out", "o.jsonl", "--model-threads", "0"));
    assertTrue(command.err().contains("Invalid value 0 for option '--model-threads'"), command.err());
    assertEquals(2, run("init-model", "--preset", "tiny"));
    assertEquals(2, run("train", "--data", "d", "--out", "o", "--adam-beta2", "1"));
    assertTrue(command.err().contains("Invalid value 1.0 for adamBeta2: must be in (0, 1)"), command.err());
    assertEquals(2, run("train", "--data", "d", "--out", "o", "--export-frames", "4"));
    assertTrue(command.err().contains("--export-frames: it needs --export DIR"), command.err());
    assertEquals(2, run("train", "--data", "d", "--out", "o", "--export", "e", "--export-keep-rate", "1.5"));
    assertTrue(command.err().contains("--export-keep-rate: it needs --export DIR and a keep rate in (0, 1]"),
        command.err());
    assertEquals(2, run("eval-mcq", "--egomcq", "q.json", "--videos", dir.toString(), "--answers",
        dir.resolve("no-such-folder/answers.jsonl").toString()));
    assertTrue(command.err().contains("no-such-folder does not exist"), command.err());
  }

  @Test
  void runtimeFailuresExitWith1OnOneLineWithoutStackTrace() {
    Path missing = dir.resolve("missing.mp4");
    int exit = run("embed", "--model", dir.toString(), "--video", missing.toString(), "--out",
        dir.resolve("o.jsonl").toString());
    assertEquals(1, exit);
    String[] lines = command.err().strip().split("\\R");
    assertTrue(lines[0].startsWith("egostream embed: error: Video file not found: "), command.err());
    assertTrue(lines[0].contains("missing.mp4"), command.err());
    assertFalse(command.err().contains("\tat "), "no stack trace unless asked: " + command.err());
  }

  @Test
  void verbosePrintsTheStackTrace() {
    int exit = run("embed", "-v", "--model", dir.toString(), "--video", dir.resolve("missing.mp4").toString(),
        "--out", dir.resolve("o.jsonl").toString());
    assertEquals(1, exit);
    assertTrue(command.err().contains("\tat "), command.err());
  }

  @Test
  void errorLinesIncludeCauses() {
    Exception e = new IllegalStateException("Cannot load model m", new java.io.IOException("config.json:\nbad"));
    assertEquals("Cannot load model m: config.json: bad", CliErrors.oneLine(e));
    assertEquals("NullPointerException", CliErrors.oneLine(new NullPointerException()));
  }
}
