package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model folder: {@code config.json} (a {@link SvittConfig}), {@code model.safetensors} (tensors under the released
 * code's state-dict names) and {@code vocab.txt} (WordPiece vocabulary).
 */
final class ModelFolder {
  static final String CONFIG = "config.json";
  static final String WEIGHTS = "model.safetensors";
  static final String VOCAB = "vocab.txt";
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ModelFolder() {}

  /**
   * Reads {@code config.json}. Fields it leaves out take the value of the preset its {@code name} names (or the
   * builder's defaults for another name), so a converted checkpoint's config can be as short as
   * {@code {"name": "base", "trained": true}}.
   */
  static SvittConfig readConfig(Path dir) throws IOException {
    Path file = existing(dir, CONFIG);
    try {
      JsonNode given = JSON.readTree(file.toFile());
      if (given == null || !given.isObject()) {
        throw new IOException("Invalid " + file + ": expected a JSON object");
      }
      String name = given.path("name").asText("custom");
      SvittConfig start = name.equals("base") || name.equals("tiny")
          ? SvittConfig.preset(name) : new SvittConfig.Builder().name(name).build();
      ObjectNode merged = JSON.valueToTree(start);
      merged.setAll((ObjectNode) given);
      // Rebuilding runs the builder's validation, which Jackson's record constructor skips.
      return JSON.treeToValue(merged, SvittConfig.class).toBuilder().build();
    } catch (JsonProcessingException e) {
      throw new IOException("Invalid " + file + ": " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IOException("Invalid " + file + ": " + e.getMessage(), e);
    }
  }

  static List<String> readVocabulary(Path dir) throws IOException {
    return TextTokenizer.readVocabulary(existing(dir, VOCAB));
  }

  static Map<String, NDArray> readWeights(NDManager manager, Path dir) throws IOException {
    return Safetensors.read(manager, existing(dir, WEIGHTS));
  }

  static void write(Path dir, SvittConfig config, List<String> vocabulary, StateDict stateDict, DataType storage)
      throws IOException {
    Files.createDirectories(dir);
    JSON.writeValue(dir.resolve(CONFIG).toFile(), config);
    Files.write(dir.resolve(VOCAB), vocabulary, StandardCharsets.UTF_8);
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    for (Param p : stateDict.params()) {
      tensors.put(p.name(), p.array());
    }
    Safetensors.write(tensors, dir.resolve(WEIGHTS), storage);
  }

  /**
   * Adapts tensors written for another clip length: a relative position bias table built for T' frames is resampled
   * along its time axis to T, keeping the three [CLS] rows. Anything else passes through for the strict shape check.
   *
   * <p>Frames sit at the middles of T equal parts of the clip, so a distance of dt frames at T is dt·T'/T frames at
   * T'; the new row for dt interpolates linearly between the two source rows around it (clamped to the table's ends).
   * The mapping is symmetric about dt = 0 on purpose: the difference between b(dt) and b(−dt) is what tells a clip
   * from the same clip played backwards. The released code's nearest-neighbour resize of the table (index t·S/T) is
   * not: doubling the frames it maps +1 to 0 but −1 to −1, halving them it maps 0 to −1. Read at 4 frames, a model
   * trained last at 8 answered 60 % of the test split's intra-video questions with this mapping and 49 % with the
   * released one (docs/training.md, 'Where the order goes at 8 frames').
   */
  static void adaptFrames(Map<String, NDArray> tensors, SvittConfig config) {
    long spatial = (2L * config.gridSize() - 1) * (2L * config.gridSize() - 1);
    int targetFrames = config.frames();
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray table = e.getValue();
      if (!e.getKey().endsWith(".relative_position_bias_table") || table.getShape().dimension() != 2) {
        continue;
      }
      long rows = table.getShape().get(0) - 3;
      long heads = table.getShape().get(1);
      if (rows % spatial != 0 || rows / spatial == 2L * targetFrames - 1 || (rows / spatial) % 2 == 0) {
        continue;
      }
      int sourceFrames = Math.toIntExact((rows / spatial + 1) / 2);
      int targetRows = 2 * targetFrames - 1;
      long[] lower = new long[targetRows];
      long[] upper = new long[targetRows];
      float[] weight = new float[targetRows]; // of the upper row
      for (int t = 0; t < targetRows; t++) {
        double dt = (double) (t - (targetFrames - 1)) * sourceFrames / targetFrames;
        double at = Math.max(0, Math.min(2 * sourceFrames - 2, dt + sourceFrames - 1)); // source row index
        lower[t] = (long) Math.floor(at);
        upper[t] = Math.min(lower[t] + 1, 2L * sourceFrames - 2);
        weight[t] = (float) (at - lower[t]);
      }
      try (NDScope ignored = new NDScope()) {
        NDManager m = table.getManager();
        NDArray time = table.get("0:{}", rows).reshape(rows / spatial, spatial * heads);
        NDArray w = HostArrays.of(m, weight, new Shape(targetRows, 1)).toType(time.getDataType(), false);
        NDArray resampled = Ops.rows(time, HostArrays.of(m, lower, new Shape(targetRows))).mul(w.neg().add(1))
            .add(Ops.rows(time, HostArrays.of(m, upper, new Shape(targetRows))).mul(w))
            .reshape(new Shape(targetRows * spatial, heads))
            .concat(table.get("{}:", rows), 0);
        NDScope.unregister(resampled);
        e.setValue(resampled);
      }
      table.close();
    }
  }

  private static Path existing(Path dir, String name) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null,
          "not a model folder (expected a directory with " + CONFIG + ", " + WEIGHTS + " and " + VOCAB + ")");
    }
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null,
          "missing from the model folder (it needs " + CONFIG + ", " + WEIGHTS + " and " + VOCAB + ")");
    }
    return file;
  }
}
