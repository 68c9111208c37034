package io.egostream.eval;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.model.SvittEgo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The same weights run another way: dense attention without pruning, another keep rate q_v, another frame count.
 *
 * <p>{@link SvittEgo} takes its config from the model folder, so a variant is loaded from a temporary folder holding
 * an edited {@code config.json} beside links to the original weights and vocabulary (no copy of the weights); the
 * folder is deleted once loaded. A frame count other than the trained one works because loading resamples the
 * relative position tables along time.
 *
 * @param dense full attention everywhere and keep rate 1 (the dense baseline)
 * @param keepRate q_v to use instead of the folder's, or null
 * @param frames frames per clip instead of the folder's, or null
 */
public record ModelVariant(boolean dense, Float keepRate, Integer frames) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelVariant {
    if (dense && keepRate != null && keepRate != 1f) {
      throw new IllegalArgumentException("Invalid value " + keepRate + " for keep rate: dense evaluation keeps every "
          + "token (q_v 1); drop --keep-rate or --dense");
    }
    if (keepRate != null && !(keepRate > 0 && keepRate <= 1)) {
      throw new IllegalArgumentException("Invalid value " + keepRate + " for keep rate: must be in (0, 1]");
    }
    if (frames != null && frames < 1) {
      throw new IllegalArgumentException("Invalid value " + frames + " for frames: must be at least 1");
    }
  }

  public boolean isOriginal() {
    return !dense && keepRate == null && frames == null;
  }

  public SvittEgo load(Path modelDir, Device device) throws IOException {
    if (isOriginal()) {
      return SvittEgo.load(modelDir, device);
    }
    Path variantDir = Files.createTempDirectory("egostream-model-variant-");
    try {
      ObjectNode config = (ObjectNode) JSON.readTree(modelDir.resolve("config.json").toFile());
      if (dense) {
        config.put("sparse_attention", false);
        config.put("keep_rate", 1.0f);
      }
      if (keepRate != null) {
        config.put("keep_rate", keepRate);
      }
      if (frames != null) {
        config.put("frames", frames);
      }
      JSON.writeValue(variantDir.resolve("config.json").toFile(), config);
      for (String name : new String[] {"model.safetensors", "vocab.txt"}) {
        link(modelDir.resolve(name).toAbsolutePath(), variantDir.resolve(name));
      }
      return SvittEgo.load(variantDir, device);
    } catch (ClassCastException e) {
      throw new IOException("Invalid " + modelDir.resolve("config.json") + ": expected a JSON object", e);
    } finally {
      deleteRecursively(variantDir);
    }
  }

  private static void link(Path target, Path link) throws IOException {
    if (!Files.exists(target)) {
      return; // loading reports the missing file by name
    }
    try {
      Files.createSymbolicLink(link, target);
    } catch (UnsupportedOperationException | IOException e) {
      Files.copy(target, link); // file systems without symbolic links
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
