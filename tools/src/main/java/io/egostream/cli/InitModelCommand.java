package io.egostream.cli;

import ai.djl.Device;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code egostream init-model}: a model folder with random weights, for plumbing tests and benchmarks. */
@Command(
    name = "init-model",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Write an UNTRAINED SViTT-Ego model folder: random weights and a generated vocabulary.",
        "Its embeddings mean nothing; use it to test pipelines and to benchmark speed, not to analyse video."
    })
final class InitModelCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--preset", required = true, paramLabel = "NAME",
      description = "Architecture preset: tiny (trains and runs on 2 CPU cores) or base (the paper's model).")
  String preset;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the model into.")
  Path out;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--frames", paramLabel = "T",
      description = "Frames per clip the model is built for (default: the preset's).")
  Integer frames;

  @Option(names = "--force", description = "Overwrite a model already in DIR.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    SvittConfig config = config();
    checkOutput();
    try (SvittEgo model = SvittEgo.initialize(config, seed, Device.cpu())) {
      model.save(out);
    }
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.printf(Locale.ROOT, "Wrote an UNTRAINED SViTT-Ego model (preset %s, %d frames per clip, %d px, seed %d) "
        + "to %s:%n", config.name(), config.frames(), config.imageSize(), seed, out);
    for (String name : SvittEgo.MODEL_FILES) {
      Path file = out.resolve(name);
      if (Files.exists(file)) {
        stdout.printf(Locale.ROOT, "  %-18s %,d bytes%n", name, Files.size(file));
      }
    }
    stdout.println("Its weights are RANDOM: embeddings and answers from it are meaningless until it is trained.");
    return 0;
  }

  private SvittConfig config() {
    SvittConfig config;
    try {
      config = SvittConfig.preset(preset);
    } catch (IllegalArgumentException e) {
      throw usage("Option '--preset': " + e.getMessage());
    }
    if (frames == null) {
      return config;
    }
    try {
      return config.toBuilder().frames(frames).build();
    } catch (IllegalArgumentException e) {
      throw usage("Option '--frames': " + e.getMessage());
    }
  }

  private void checkOutput() throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw usage("Invalid value " + out + " for option '--out': it is a file; give a folder");
    }
    if (force) {
      return;
    }
    for (String name : SvittEgo.MODEL_FILES) {
      if (Files.exists(out.resolve(name))) {
        throw usage("Invalid value " + out + " for option '--out': it already holds a model (" + name
            + "); pass --force to overwrite it or pick another folder");
      }
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
