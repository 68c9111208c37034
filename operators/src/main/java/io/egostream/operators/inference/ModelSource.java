package io.egostream.operators.inference;

import static io.egostream.operators.config.OptionChecks.require;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egostream.model.EngineThreads;
import io.egostream.model.ShippedModel;
import io.egostream.model.SvittConfig;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an inference task gets its model: a model folder, the trained model shipped in the jar, or (tests, and runs
 * that want chance-level answers on purpose) a randomly initialised model built from a config and a seed. It travels
 * inside the function to every task, which loads its own copy in {@code open()}: so it holds only strings and
 * numbers, never the model. It also says how many threads libtorch runs an operation on ({@link #THREADS}).
 */
public final class ModelSource implements Serializable {
  /**
   * libtorch's intra-op threads, set by every inference task as it loads its model. The pool is the TaskManager
   * process's: with several slots a TaskManager, give cores / slots.
   */
  public static final ConfigOption<Integer> THREADS = ConfigOptions.key("inference.threads")
      .intType().defaultValue(0)
      .withDescription("Threads libtorch runs one operation on, for the whole TaskManager process (every slot's "
          + "models share them); 0 = one fewer than the TaskManager's processors, at least 1, leaving a core for "
          + "decoding, Kafka and Flink. With several slots a TaskManager, set cores / slots.");

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
  /** {@link #THREADS}: 0 for {@link EngineThreads#defaultCount()} on the TaskManager. */
  private final int threads;

  private ModelSource(String folder, String configJson, long seed, String description, int threads) {
    this.folder = folder;
    this.configJson = configJson;
    this.seed = seed;
    this.description = description;
    this.threads = threads;
  }

  /** The trained model shipped in the jar ({@link ShippedModel}): the default when no model folder is given. */
  public static ModelSource shipped() {
    return new ModelSource(null, null, 0, "shipped model " + ShippedModel.NAME, 0);
  }

  /**
   * A model folder ({@code config.json}, {@code model.safetensors}, {@code vocab.txt}). The path is resolved on each
   * TaskManager, not here: give one that every TaskManager can read, preferably absolute.
   */
  public static ModelSource folder(Path dir) {
    Objects.requireNonNull(dir, "model folder");
    return new ModelSource(dir.toString(), null, 0, "model folder " + dir, 0);
  }

  /** A model with random weights from preset {@code base} or {@code tiny}: the same seed gives the same weights. */
  public static ModelSource preset(String name, long seed) {
    return initialized(SvittConfig.preset(name), seed);
  }

  /** A model with random weights from {@code config}: the same config and seed give the same weights. */
  public static ModelSource initialized(SvittConfig config, long seed) {
    try {
      return new ModelSource(null, JSON.writeValueAsString(config), seed,
          "untrained " + config.name() + " model (seed " + seed + ")", 0);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("Cannot write model config " + config.name() + " as JSON", e);
    }
  }

  /** The same model, run on {@code threads} intra-op threads ({@link #THREADS}; 0 = the default). */
  public ModelSource withThreads(int threads) {
    require(threads >= 0, THREADS, threads, "must be at least 0 (0 = one fewer than the TaskManager's processors)");
    return new ModelSource(folder, configJson, seed, description, threads);
  }

  /**
   * Loads the model for an inference task, on the device {@link DeviceSelection} picks for it, sets libtorch's
   * intra-op threads ({@link #THREADS}) and logs what the task does with it ({@code work}, e.g. "embeds clips").
   */
  public SvittEgo loadForTask(RuntimeContext task, String work) throws IOException {
    SvittEgo model = load(DeviceSelection.forTask(task));
    int intraOp = threads > 0 ? threads : EngineThreads.defaultCount();
    EngineThreads.set(intraOp);
    LOG.info("{} {} with {} from {}, {} intra-op threads", task.getTaskInfo().getTaskNameWithSubtasks(), work,
        model.modelId(), this, intraOp);
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
