package io.egostream.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.egostream.model.TestModels;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EgoNceTest {
  // Three samples in 2-D, unit vectors. Sample 2 shares a verb and a noun with sample 0 (a positive); sample 1
  // shares only a verb with sample 0 (not a positive).
  private static final double[][] TEXTS = {{1, 0}, {0, 1}, {0.6, 0.8}};
  private static final double[][] CLIPS = {{0.8, 0.6}, {0, 1}, {1, 0}};
  private static final List<Set<String>> VERBS = List.of(Set.of("take", "lift"), Set.of("take"), Set.of("lift"));
  private static final List<Set<String>> NOUNS = List.of(Set.of("cup"), Set.of("bowl"), Set.of("cup", "lid"));

  @Test
  void positivesNeedAVerbAndANounInCommon() {
    boolean[][] mask = EgoNce.positives(VERBS, NOUNS);
    assertArrayEquals(new boolean[] {true, false, true}, mask[0]);
    assertArrayEquals(new boolean[] {false, true, false}, mask[1]);
    assertArrayEquals(new boolean[] {true, false, true}, mask[2]);
    // No tags at all: only the diagonal.
    boolean[][] untagged = EgoNce.positives(List.of(Set.of(), Set.of()), List.of(Set.of(), Set.of()));
    assertTrue(untagged[0][0] && untagged[1][1]);
    assertFalse(untagged[0][1] || untagged[1][0]);
  }

  @Test
  void lossMatchesAHandComputation() {
    boolean[][] mask = EgoNce.positives(VERBS, NOUNS);
    double expected = handLoss(mask, null);

    try (NDManager m = NDManager.newBaseManager()) {
      NDArray texts = m.create(flatten(TEXTS), new Shape(3, 2));
      NDArray clips = m.create(flatten(CLIPS), new Shape(3, 2));
      float loss = EgoNce.loss(texts, clips, mask, EgoNce.TEMPERATURE).getFloat();
      assertEquals(expected, loss, 1e-5 * Math.abs(expected));
      // With the identity mask EgoNCE is plain symmetric InfoNCE, and must come out larger here (fewer positives).
      boolean[][] identity = {{true, false, false}, {false, true, false}, {false, false, true}};
      assertTrue(EgoNce.loss(texts, clips, identity, EgoNce.TEMPERATURE).getFloat() > loss);
    }
  }

  /**
   * One reversed clip, of sample 0: it joins the text → clip rows of sample 0's positives (texts 0 and 2) as one more
   * negative, and nothing else changes.
   */
  @Test
  void aReversedClipIsANegativeOnlyForItsOwnNarrations() {
    boolean[][] mask = EgoNce.positives(VERBS, NOUNS);
    double[] reversed = {0.28, 0.96};
    double expected = handLoss(mask, reversed);

    try (NDManager m = NDManager.newBaseManager()) {
      NDArray texts = m.create(flatten(TEXTS), new Shape(3, 2));
      NDArray clips = m.create(flatten(CLIPS), new Shape(3, 2));
      NDArray rev = m.create(flatten(new double[][] {reversed}), new Shape(1, 2));
      float loss = EgoNce.loss(texts, clips, rev, mask, EgoNce.TEMPERATURE).getFloat();
      assertEquals(expected, loss, 1e-5 * Math.abs(expected));
      assertTrue(loss > EgoNce.loss(texts, clips, mask, EgoNce.TEMPERATURE).getFloat());
      // More reversed clips than samples cannot say whose they are.
      NDArray tooMany = m.create(new float[8], new Shape(4, 2));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> EgoNce.loss(texts, clips, tooMany, mask, EgoNce.TEMPERATURE));
      assertTrue(e.getMessage().contains("at most B reversed clips"), e.getMessage());
    }
  }

  @Test
  void onlyTheDualEncoderIsReached() {
    var config = TestModels.micro(); // 4 text layers, the last 2 fusion layers
    assertTrue(EgoNce.reaches("text_encoder.bert.encoder.layer.1.attention.self.query.weight", config));
    assertFalse(EgoNce.reaches("text_encoder.bert.encoder.layer.2.attention.self.query.weight", config));
    assertFalse(EgoNce.reaches("itm_head.weight", config));
    assertFalse(EgoNce.reaches("vision_layernorm.bias", config));
    assertFalse(EgoNce.reaches("temp", config));
    assertTrue(EgoNce.reaches("vision_proj.weight", config));
  }

  /**
   * EgoNCE written out in doubles for the three samples; {@code reversedOf0} (or null) is a reversed clip of sample
   * 0, one more term in the text → clip denominator of the rows where clip 0 is a positive.
   */
  private static double handLoss(boolean[][] mask, double[] reversedOf0) {
    double tau = 0.05;
    int n = 3;
    double textToClip = 0;
    double clipToText = 0;
    for (int i = 0; i < n; i++) {
      double rowAll = 0;
      double rowPositive = 0;
      double colAll = 0;
      double colPositive = 0;
      for (int j = 0; j < n; j++) {
        double rowSim = dot(TEXTS[i], CLIPS[j]);
        rowAll += Math.exp(rowSim / tau);
        rowPositive += mask[i][j] ? Math.exp(rowSim / tau) : 0;
        double colSim = dot(TEXTS[j], CLIPS[i]); // clip i against every text j
        colAll += Math.exp(colSim / tau);
        colPositive += mask[j][i] ? Math.exp(colSim / tau) : 0;
      }
      if (reversedOf0 != null && mask[i][0]) {
        rowAll += Math.exp(dot(TEXTS[i], reversedOf0) / tau);
      }
      textToClip += Math.log(rowPositive / rowAll);
      clipToText += Math.log(colPositive / colAll);
    }
    return -textToClip / n - clipToText / n;
  }

  private static double dot(double[] a, double[] b) {
    return a[0] * b[0] + a[1] * b[1];
  }

  private static float[] flatten(double[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < rows[i].length; j++) {
        out[i * rows[i].length + j] = (float) rows[i][j];
      }
    }
    return out;
  }
}
