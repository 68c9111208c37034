package io.egostream.operators.inference;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an inference task gets its model: a model folder, or (tests and demos without weights) a randomly initialised
 * model built from a config and a seed. It travels inside the function to every task, which loads its own copy in
 * {@code open()}: so it holds only strings and a number, never the model.
 */
public final class ModelSource implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The model folder as given (a string: {@link Path} is not serializable); null for an initialised model. */
  private final String folder;
  /** The config of an initialised model as JSON ({@link SvittConfig} is not serializable); null for a folder. */
  private final String configJson;
  private final long seed;
  /** What to call it in logs and errors. */
  private final String description;

  private ModelSource(String folder, String configJson, long seed, String description) {
    this.folder = folder;
    this.configJson = configJson;
    this.seed = seed;
    this.description = description;
  }

  /**
   * A model folder ({@code config.json}, {@code model.safetensors}, {@code vocab.txt}). The path is resolved on each
   * TaskManager, not here: give one that every TaskManager can read, preferably absolute.
   */
  public static ModelSource folder(Path dir) {
    Objects.requireNonNull(dir, "model folder");
    return new ModelSource(dir.toString(), null, 0, "model folder " + dir);
  }

  /** A model with random weights from preset {@code base} or {@code tiny}: the same seed gives the same weights. */
  public static ModelSource preset(String name, long seed) {
    return initialized(SvittConfig.preset(name), seed);
  }

  /** A model with random weights from {@code config}: the same config and seed give the same weights. */
  public static ModelSource initialized(SvittConfig config, long seed) {
    try {
      return new ModelSource(null, JSON.writeValueAsString(config), seed,
          "untrained " + config.name() + " model (seed " + seed + ")");
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("Cannot write model config " + config.name() + " as JSON", e);
    }
  }

  /** Loads the model onto {@code device}; the caller closes it. */
  public SvittEgo load(Device device) throws IOException {
    return folder != null ? SvittEgo.load(Path.of(folder), device) : SvittEgo.initialize(config(), seed, device);
  }

  /** The model's config, without loading its weights: what the job needs to know while it is being built. */
  public SvittConfig config() throws IOException {
    if (folder != null) {
      return SvittEgo.readConfig(Path.of(folder));
    }
    // Rebuilding runs the config's validation, which Jackson's record constructor skips.
    return JSON.readValue(configJson, SvittConfig.class).toBuilder().build();
  }

  @Override
  public String toString() {
    return description;
  }
}
