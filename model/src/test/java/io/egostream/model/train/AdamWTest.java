package io.egostream.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.egostream.model.Param;
import io.egostream.model.SvittEgo;
import io.egostream.model.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {
  private static final double LR1 = 0.01;
  private static final double LR2 = 0.005;
  private static final double WD = 0.1;
  /** Not PyTorch's default 0.999, so the formula's figures show the optimizer uses the β2 it is given. */
  private static final double BETA2 = 0.98;

  @Test
  void twoStepsMatchTheFormulaElementByElement(@TempDir Path tmp) throws Exception {
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      Param weight = TestModels.param(model, "vision_proj.weight"); // decayed
      Param bias = TestModels.param(model, "vision_proj.bias"); // 1-D: not decayed
      assertTrue(AdamW.decays(weight));
      assertFalse(AdamW.decays(bias));
      float[] w0 = weight.array().toFloatArray();
      float[] b0 = bias.array().toFloatArray();
      weight.array().setRequiresGradient(true);
      bias.array().setRequiresGradient(true);
      try (AdamW adam = new AdamW(List.of(weight, bias), (float) BETA2, (float) WD, Device.cpu())) {
        // Step 1: gradient g1 = c1 (of sum(w * c1)); step 2: g2 = c2, after the optimizer zeroed g1.
        backward(weight, bias, 1f);
        adam.step(LR1, 1);
        backward(weight, bias, -0.5f);
        adam.step(LR2, 1);
        assertEquals(2, adam.updates());
        float[] w = weight.array().toFloatArray();
        float[] b = bias.array().toFloatArray();
        for (int i = 0; i < w.length; i++) {
          assertEquals(expected(w0[i], c(i, 1f), c(i, -0.5f), true), w[i], 1e-6, "weight[" + i + "]");
        }
        for (int i = 0; i < b.length; i++) {
          assertEquals(expected(b0[i], c(i, 1f), c(i, -0.5f), false), b[i], 1e-6, "bias[" + i + "]");
        }
        // Gradients were zeroed after the update.
        try (NDScope ignored = new NDScope()) {
          assertEquals(0f, weight.array().getGradient().abs().sum().getFloat());
        }
        // Moments round-trip through a file.
        Path file = tmp.resolve("optimizer.safetensors");
        adam.save(file);
        try (AdamW again = new AdamW(List.of(weight, bias), (float) BETA2, (float) WD, Device.cpu())) {
          again.load(file, adam.updates());
          assertEquals(2, again.updates());
        }
      }
    }
  }

  /**
   * With a position rate scale of 20, the first step moves every position table entry by 20·lr and every other
   * weight by lr (Adam's first update is lr·g/|g|), and tables are not decayed.
   */
  @Test
  void positionTablesTakeTheirScaledRate() {
    try (SvittEgo model = SvittEgo.initialize(TestModels.micro(), 7, Device.cpu())) {
      Param table = TestModels.param(model,
          "vision_encoder.encoder.layer.0.attention.attention.relative_position_bias.relative_position_bias_table");
      Param weight = TestModels.param(model, "vision_proj.weight");
      assertTrue(AdamW.isPositionTable(table) && !AdamW.isPositionTable(weight));
      assertFalse(AdamW.decays(table));
      float[] t0 = table.array().toFloatArray();
      float[] w0 = weight.array().toFloatArray();
      table.array().setRequiresGradient(true);
      weight.array().setRequiresGradient(true);
      try (AdamW adam = new AdamW(List.of(table, weight), (float) BETA2, 0f, Device.cpu())) {
        backward(table, weight, 1f);
        adam.step(LR1, 20);
      }
      float[] t = table.array().toFloatArray();
      float[] w = weight.array().toFloatArray();
      for (int i = 0; i < t.length; i++) {
        assertEquals(-20 * LR1 * Math.signum(c(i, 1f)), t[i] - t0[i], 1e-6, "table[" + i + "]");
      }
      for (int i = 0; i < w.length; i++) {
        assertEquals(-LR1 * Math.signum(c(i, 1f)), w[i] - w0[i], 1e-6, "weight[" + i + "]");
      }
    }
  }

  /** A gradient element: distinct per position and sign-changing, so the update is not a uniform shift. */
  private static float c(int i, float scale) {
    return scale * ((i % 7) - 3 + 0.25f);
  }

  /** PyTorch's AdamW, written out in doubles for one element over the two steps. */
  private static double expected(double w, double g1, double g2, boolean decayed) {
    double b1 = 0.9;
    double b2 = BETA2;
    double eps = 1e-8;
    double m = 0;
    double v = 0;
    double[] grads = {g1, g2};
    double[] rates = {LR1, LR2};
    for (int t = 1; t <= 2; t++) {
      double g = grads[t - 1];
      double lr = rates[t - 1];
      if (decayed) {
        w *= 1 - lr * WD;
      }
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      double mHat = m / (1 - Math.pow(b1, t));
      double vHat = v / (1 - Math.pow(b2, t));
      w -= lr * mHat / (Math.sqrt(vHat) + eps);
    }
    return w;
  }

  private static void backward(Param weight, Param bias, float scale) {
    try (NDScope ignored = new NDScope();
        GradientCollector tape = weight.array().getManager().getEngine().newGradientCollector()) {
      NDArray loss = weight.array().mul(coefficients(weight, scale)).sum()
          .add(bias.array().mul(coefficients(bias, scale)).sum());
      tape.backward(loss);
    }
  }

  private static NDArray coefficients(Param p, float scale) {
    float[] c = new float[Math.toIntExact(p.shape().size())];
    for (int i = 0; i < c.length; i++) {
      c[i] = c(i, scale);
    }
    return p.array().getManager().create(c, p.shape());
  }
}
