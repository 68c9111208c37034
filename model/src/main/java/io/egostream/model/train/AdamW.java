package io.egostream.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.egostream.model.Param;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter; PyTorch's {@code torch.optim.AdamW}), updating the
 * parameters in place from their gradients, which it then zeroes (DJL accumulates them across backward calls).
 *
 * <pre>
 *   w ← w·(1 − lr·wd)                      decoupled decay, only for {@link #decays decayed} parameters
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   w ← w − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
 * </pre>
 *
 * The relative position bias tables can take a larger rate ({@code positionRateScale}·lr, given each step): they
 * start at zero and are the video encoder's only source of time order, and Adam moves a weight by about lr a step, so
 * at a rate made for the other weights they stay too small in a short run for attention to tell a clip from its
 * reverse.
 *
 * <p>The moment buffers live in a manager of their own, created up front (not on first use, so the count of live
 * arrays is the same before and after the first step) and freed by {@link #close()}.
 */
public final class AdamW implements AutoCloseable {
  static final float BETA1 = 0.9f;
  static final float EPSILON = 1e-8f;

  private final List<Param> params;
  private final float beta2;
  private final float weightDecay;
  private final NDManager manager;
  private final Map<String, NDArray> firstMoments = new HashMap<>();
  private final Map<String, NDArray> secondMoments = new HashMap<>();
  private long updates;

  /**
   * An optimizer over {@code params} (which must already require gradients), with zero moments; {@code beta2} is the
   * second moment's decay (PyTorch's default 0.999).
   */
  public AdamW(List<Param> params, float beta2, float weightDecay, Device device) {
    if (!(beta2 > 0 && beta2 < 1)) {
      throw new IllegalArgumentException("Invalid AdamW beta2 " + beta2 + ": must be in (0, 1)");
    }
    this.params = List.copyOf(params);
    this.beta2 = beta2;
    this.weightDecay = weightDecay;
    this.manager = NDManager.newBaseManager(device);
    this.manager.setName("adamw");
    for (Param p : this.params) {
      firstMoments.put(p.name(), manager.zeros(p.shape()));
      secondMoments.put(p.name(), manager.zeros(p.shape()));
    }
  }

  /**
   * No decay for parameters that set a scale, an offset or a position rather than a feature: every 0-D and 1-D
   * tensor (LayerNorm weights and biases, linear biases, BEiT's lambda_1/lambda_2 layer scales, temp), the video
   * [CLS] token and the relative position bias tables. This is timm's rule for BEiT ({@code ndim <= 1} plus its
   * no_weight_decay list: cls_token, relative_position_bias_table), which SViTT trains with.
   */
  public static boolean decays(Param p) {
    return p.shape().dimension() > 1 && !p.name().endsWith(".cls_token") && !isPositionTable(p);
  }

  /** The video encoder's relative position bias tables. */
  public static boolean isPositionTable(Param p) {
    return p.name().endsWith(".relative_position_bias_table");
  }

  /**
   * One update at learning rate {@code lr}, the {@link #isPositionTable position tables} at
   * {@code positionRateScale}·lr (1 = one rate for all); zeroes the gradients afterwards.
   */
  public void step(double lr, double positionRateScale) {
    if (!(positionRateScale > 0)) {
      throw new IllegalArgumentException("Invalid position tables' rate scale " + positionRateScale
          + ": must be positive");
    }
    updates++;
    float correction1 = (float) (1 - Math.pow(BETA1, updates));
    float correction2 = (float) (1 - Math.pow(beta2, updates));
    for (Param p : params) {
      // Every temporary of the update (the gradient handle included) dies with this scope; the in-place results
      // stay in the parameter and the moment buffers.
      try (NDScope ignored = new NDScope()) {
        // A detached view of the weights (same storage): an in-place update of a leaf that requires a gradient is an
        // error whenever autograd happens to be recording on this thread.
        NDArray w = p.array().stopGradient();
        NDArray g = p.array().getGradient();
        NDArray m = firstMoments.get(p.name());
        NDArray v = secondMoments.get(p.name());
        m.muli(BETA1).addi(g.mul(1 - BETA1));
        v.muli(beta2).addi(g.square().mul(1 - beta2));
        if (weightDecay > 0 && decays(p)) {
          w.muli((float) (1 - lr * weightDecay));
        }
        double rate = isPositionTable(p) ? lr * positionRateScale : lr;
        w.subi(m.div(correction1).div(v.div(correction2).sqrt().add(EPSILON)).mul((float) rate));
        g.set(ALL, 0); // an assignment, not g - g: that would keep a NaN or infinite gradient forever
      }
    }
  }

  private static final NDIndex ALL = new NDIndex("...");

  /** Sets every gradient to zero, NaN and infinite ones included: for a step that is skipped. */
  public void zeroGradients() {
    for (Param p : params) {
      try (NDScope ignored = new NDScope()) {
        p.array().getGradient().set(ALL, 0);
      }
    }
  }

  /**
   * Scales every gradient so that their global L2 norm is at most {@code maxNorm} (the usual clipping: one exploding
   * batch must not throw the weights far away); returns the norm before scaling. A non-finite norm scales nothing:
   * the caller decides what a NaN batch means.
   */
  public double clipGradientNorm(double maxNorm) {
    double squares = 0;
    for (Param p : params) {
      try (NDScope ignored = new NDScope()) {
        // In double: a float32 sum of squares overflows for gradients above ~1e19 that are still finite and clippable.
        squares += p.array().getGradient().toType(DataType.FLOAT64, false).square().sum().getDouble();
      }
    }
    double norm = Math.sqrt(squares);
    if (Double.isFinite(norm) && norm > maxNorm) {
      float scale = (float) (maxNorm / (norm + 1e-6));
      for (Param p : params) {
        try (NDScope ignored = new NDScope()) {
          p.array().getGradient().muli(scale);
        }
      }
    }
    return norm;
  }

  /** Updates taken so far (t in the bias corrections). */
  public long updates() {
    return updates;
  }

  /** Writes the moments as safetensors ({@code m.NAME}, {@code v.NAME}); {@link #updates()} goes elsewhere. */
  public void save(Path file) throws IOException {
    NDList list = new NDList();
    for (Param p : params) {
      list.add(named(firstMoments.get(p.name()), "m." + p.name()));
      list.add(named(secondMoments.get(p.name()), "v." + p.name()));
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      list.encode(out, NDList.Encoding.SAFETENSORS);
    }
  }

  /**
   * Restores moments written by {@link #save} and the update count. Refuses a file whose tensors do not match
   * these parameters one to one, by name and shape.
   */
  public void load(Path file, long updates) throws IOException {
    Map<String, NDArray> loaded = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      for (NDArray a : NDList.decode(manager, in)) {
        loaded.put(a.getName(), a);
      }
    }
    List<String> problems = new ArrayList<>();
    for (Param p : params) {
      for (String key : List.of("m." + p.name(), "v." + p.name())) {
        NDArray a = loaded.get(key);
        if (a == null) {
          problems.add(key + " missing");
        } else if (!a.getShape().equals(p.shape())) {
          problems.add(key + " is " + a.getShape() + ", parameter is " + p.shape());
        }
      }
    }
    if (loaded.size() != 2 * params.size()) {
      problems.add(loaded.size() + " tensors for " + params.size() + " parameters");
    }
    if (!problems.isEmpty()) {
      loaded.values().forEach(NDArray::close);
      throw new IOException("Invalid optimizer state " + file + ": " + problems
          + " (it belongs to another model or curriculum stage; resume from the checkpoint folder it came with)");
    }
    for (Param p : params) {
      firstMoments.put(p.name(), replace(firstMoments.get(p.name()), loaded.get("m." + p.name())));
      secondMoments.put(p.name(), replace(secondMoments.get(p.name()), loaded.get("v." + p.name())));
    }
    this.updates = updates;
  }

  @Override
  public void close() {
    manager.close();
  }

  private static NDArray named(NDArray a, String name) {
    a.setName(name);
    return a;
  }

  private static NDArray replace(NDArray old, NDArray fresh) {
    old.close();
    return fresh;
  }
}
