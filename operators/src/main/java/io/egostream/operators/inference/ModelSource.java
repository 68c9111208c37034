package io.egostream.operators.inference;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egostream.model.ShippedModel;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an inference task gets its model: a model folder, the trained model shipped in the jar, or (tests, and runs
 * that want chance-level answers on purpose) a randomly initialised model built from a config and a seed. It travels
 * inside the function to every task, which loads its own copy in {@code open()}: so it holds only strings and
 * numbers, never the model.
 */
public final class ModelSource implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(ModelSource.class);

  /**
   * The model folder as given (a string: {@link Path} is not serializable); null for an initialised model and for the
   * shipped one (whose folder each task extracts from the jar).
   */
  private final String folder;
  /** The config of an initialised model as JSON ({@link SvittConfig} is not serializable); null otherwise. */
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

  /** The trained model shipped in the jar ({@link ShippedModel}): the default when no model folder is given. */
  public static ModelSource shipped() {
    return new ModelSource(null, null, 0, "shipped model " + ShippedModel.NAME);
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

  /**
   * Loads the model for an inference task, on the device {@link DeviceSelection} picks for it, and logs what the task
   * does with it ({@code work}, e.g. "embeds clips").
   */
  public SvittEgo loadForTask(RuntimeContext task, String work) throws IOException {
    SvittEgo model = load(DeviceSelection.forTask(task));
    LOG.info("{} {} with {} from {}", task.getTaskInfo().getTaskNameWithSubtasks(), work, model.modelId(), this);
    return model;
  }

  /** Loads the model onto {@code device}; the caller closes it. */
  public SvittEgo load(Device device) throws IOException {
    if (configJson != null) {
      return SvittEgo.initialize(config(), seed, device);
    }
    return SvittEgo.load(folder(), device);
  }

  /** The model's config, without loading its weights: what the job needs to know while it is being built. */
  public SvittConfig config() throws IOException {
    if (configJson != null) {
      // Rebuilding runs the config's validation, which Jackson's record constructor skips.
      return JSON.readValue(configJson, SvittConfig.class).toBuilder().build();
    }
    return SvittEgo.readConfig(folder());
  }

  private Path folder() throws IOException {
    return folder != null ? Path.of(folder) : ShippedModel.folder();
  }

  @Override
  public String toString() {
    return description;
  }
}
