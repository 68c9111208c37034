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
    return TextTokenizer.fromFile(existing(dir, VOCAB), Integer.MAX_VALUE).vocabulary();
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
   * along its time axis to T (nearest neighbour, as the released code's interpolate_pos_relative_bias_beit_3d does),
   * keeping the three [CLS] rows. Anything else passes through for the strict shape check.
   */
  static void adaptFrames(Map<String, NDArray> tensors, SvittConfig config) {
    long spatial = (2L * config.gridSize() - 1) * (2L * config.gridSize() - 1);
    long targetTime = 2L * config.frames() - 1;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray table = e.getValue();
      if (!e.getKey().endsWith(".relative_position_bias_table") || table.getShape().dimension() != 2) {
        continue;
      }
      long rows = table.getShape().get(0) - 3;
      long heads = table.getShape().get(1);
      if (rows % spatial != 0 || rows / spatial == targetTime) {
        continue;
      }
      long sourceTime = rows / spatial;
      long[] pick = new long[Math.toIntExact(targetTime)];
      for (int t = 0; t < pick.length; t++) {
        pick[t] = t * sourceTime / targetTime;
      }
      try (NDScope ignored = new NDScope()) {
        NDArray time = table.get("0:{}", rows).reshape(sourceTime, spatial * heads);
        NDArray resampled = Ops.rows(time, table.getManager().create(pick))
            .reshape(new Shape(targetTime * spatial, heads))
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
