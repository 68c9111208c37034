package io.egostream.model.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training checkpoint: a model folder ({@code config.json}, {@code model.safetensors}, {@code vocab.txt}, so it
 * loads and serves like any other) plus {@code optimizer.safetensors} (AdamW's moments) and
 * {@code trainer-state.json} (steps done, optimizer update count, the training config). Written to a
 * {@code .partial} folder and renamed, so an interruption never leaves a half-written checkpoint under the real name.
 */
final class Checkpoint {
  static final String STATE = "trainer-state.json";
  static final String OPTIMIZER = "optimizer.safetensors";
  private static final String PREFIX = "checkpoint-";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /**
   * Training settings added after checkpoints were first written, with the value every run before them trained
   * with: a checkpoint that lacks one resumes as the run it was.
   */
  private static final Map<String, Object> ADDED_SETTINGS =
      Map.of("adamBeta2", 0.999, "positionRateScale", 1.0, "reversedNegatives", 0, "orderFromStep", 0,
          "denseEvery", 0, "denseFromStep", 0);

  /** What {@code trainer-state.json} holds. */
  record State(int step, long optimizerUpdates, TrainingConfig training) {}

  private Checkpoint() {}

  static Path write(Path outputDir, int step, SvittEgo model, AdamW optimizer, TrainingConfig config)
      throws IOException {
    Path dir = outputDir.resolve(String.format("%s%08d", PREFIX, step));
    Path partial = outputDir.resolve(dir.getFileName() + ".partial");
    deleteRecursively(partial);
    model.saveTrained(partial);
    optimizer.save(partial.resolve(OPTIMIZER));
    JSON.writeValue(partial.resolve(STATE).toFile(), new State(step, optimizer.updates(), config));
    deleteRecursively(dir);
    Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
    return dir;
  }

  static State readState(Path dir) throws IOException {
    Path file = dir.resolve(STATE);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null,
          "not a training checkpoint (a model folder alone cannot resume a run; start a new run from it instead)");
    }
    if (!(JSON.readTree(file.toFile()) instanceof ObjectNode state)) {
      throw new IOException("Invalid " + file + ": not a JSON object (it is written by train; resume from an intact "
          + "checkpoint or start a new run)");
    }
    if (state.get("training") instanceof ObjectNode training) {
      ADDED_SETTINGS.forEach((name, value) -> {
        if (!training.has(name)) {
          training.set(name, JSON.valueToTree(value));
        }
      });
    }
    return JSON.treeToValue(state, State.class);
  }

  static Optional<Path> latest(Path outputDir) throws IOException {
    if (!Files.isDirectory(outputDir)) {
      return Optional.empty();
    }
    try (Stream<Path> entries = Files.list(outputDir)) {
      return entries
          .filter(p -> p.getFileName().toString().matches(PREFIX + "\\d{8}") && Files.isDirectory(p))
          .max(Comparator.comparing(p -> p.getFileName().toString()));
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
