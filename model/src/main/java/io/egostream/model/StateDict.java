package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The parameters of one model by state-dict name, in declaration order. Blocks declare their parameters here while
 * they are built; values come afterwards from {@link #initialize} or {@link #load}, so weight init and checkpoint
 * mapping stay out of the blocks.
 */
public final class StateDict {
  private final Map<String, Param> params = new LinkedHashMap<>();

  Param declare(String name, Shape shape, Init init) {
    Param param = new Param(name, shape, init);
    if (params.putIfAbsent(name, param) != null) {
      throw new IllegalStateException("Parameter " + name + " declared twice");
    }
    return param;
  }

  public Collection<Param> params() {
    return Collections.unmodifiableCollection(params.values());
  }

  /** Total number of scalars. */
  public long size() {
    return params.values().stream().mapToLong(p -> p.shape().size()).sum();
  }

  /**
   * Fresh values for every parameter. Each parameter draws from its own stream, seeded by the model seed and its
   * name, so a value does not depend on declaration order.
   */
  void initialize(NDManager manager, long seed, float initializerRange) {
    for (Param p : params.values()) {
      float[] data = new float[Math.toIntExact(p.shape().size())];
      p.init().fill(data, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + p.name().hashCode()), initializerRange);
      p.set(HostArrays.of(manager, data, p.shape()));
    }
  }

  /**
   * Copies values by name. Checks everything first and reports every missing, unexpected and mis-shaped tensor by
   * name; a model with any missing or mis-shaped tensor is refused unless {@code allowPartial}, in which case those
   * keep their current values.
   */
  LoadReport load(Map<String, NDArray> tensors, boolean allowPartial) {
    List<String> missing = new ArrayList<>();
    List<String> misShaped = new ArrayList<>();
    List<String> notFloat = new ArrayList<>();
    for (Param p : params.values()) {
      NDArray t = tensors.get(p.name());
      if (t == null) {
        missing.add(p.name());
      } else if (!t.getShape().equals(p.shape())) {
        misShaped.add(p.name() + " (file " + t.getShape() + ", model " + p.shape() + ")");
      } else if (!t.getDataType().isFloating()) {
        notFloat.add(p.name() + " (" + t.getDataType() + ")");
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (!params.containsKey(name)) {
        unexpected.add(name);
      }
    }
    LoadReport report = new LoadReport(missing, unexpected, misShaped, notFloat);
    if (!report.complete() && !allowPartial) {
      throw new IllegalArgumentException("Refusing a partial model: " + report
          + " (fix the checkpoint or its key names; pass allowPartial to load it anyway)");
    }
    for (Param p : params.values()) {
      NDArray t = tensors.get(p.name());
      if (t != null && t.getShape().equals(p.shape()) && t.getDataType().isFloating()) {
        p.set(t.getDataType() == DataType.FLOAT32 ? t : t.toType(DataType.FLOAT32, false));
      }
    }
    return report;
  }

  /** What a load found. */
  public record LoadReport(
      List<String> missing, List<String> unexpected, List<String> misShaped, List<String> notFloat) {

    public LoadReport {
      missing = List.copyOf(missing);
      unexpected = List.copyOf(unexpected);
      misShaped = List.copyOf(misShaped);
      notFloat = List.copyOf(notFloat);
    }

    /** Every parameter got a value of the right shape (unexpected extra tensors are tolerated). */
    public boolean complete() {
      return missing.isEmpty() && misShaped.isEmpty() && notFloat.isEmpty();
    }

    @Override
    public String toString() {
      return missing.size() + " missing " + missing + ", " + misShaped.size() + " mis-shaped " + misShaped + ", "
          + notFloat.size() + " not floating-point " + notFloat + ", " + unexpected.size() + " unexpected "
          + unexpected;
    }
  }
}
