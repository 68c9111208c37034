package io.egostream.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.egostream.model.HostArrays;
import io.egostream.model.SvittConfig;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * EgoNCE (EgoVLP, {@code model/loss.py}): a symmetric InfoNCE whose positives for text i are every clip j whose
 * narration shares at least one verb and at least one noun with i's, plus clip i itself.
 *
 * <pre>
 *   sim  = texts · clipsᵀ                       (B, B), rows = texts, cosines of unit vectors
 *   i_sm = softmax(sim / τ, dim=1)               text → clips
 *   j_sm = softmax(simᵀ / τ, dim=1)              clip → texts
 *   loss = −mean_i log Σ_j i_sm[i,j]·mask[i,j] − mean_j log Σ_i j_sm[j,i]·mask[i,j]
 * </pre>
 *
 * The released code multiplies {@code j_sm} by {@code mask} untransposed; the mask is symmetric (sharing is), so
 * this is the same thing. τ is fixed at 0.05 there, so the model's learnable {@code temp} is not used by it.
 *
 * <p>Dimensions: B samples, E embedding size.
 */
public final class EgoNce {
  /** EgoVLP's temperature for EgoNCE. */
  public static final float TEMPERATURE = 0.05f;

  private EgoNce() {}

  /**
   * The positive mask (B, B): true where samples i and j share at least one verb and at least one noun, and on the
   * diagonal (a sample is always its own positive, even with no tags).
   */
  public static boolean[][] positives(List<Set<String>> verbs, List<Set<String>> nouns) {
    if (verbs.size() != nouns.size()) {
      throw new IllegalArgumentException("Invalid tags: " + verbs.size() + " verb sets but " + nouns.size()
          + " noun sets (give one of each per sample, empty if a narration has none)");
    }
    int n = verbs.size();
    boolean[][] mask = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        mask[i][j] = i == j
            || (!Collections.disjoint(verbs.get(i), verbs.get(j)) && !Collections.disjoint(nouns.get(i), nouns.get(j)));
      }
    }
    return mask;
  }

  /** EgoNCE of unit text embeddings (B, E) against unit clip embeddings (B, E): a scalar, differentiable. */
  public static NDArray loss(NDArray texts, NDArray clips, boolean[][] positives, float temperature) {
    return loss(texts, clips, null, positives, temperature);
  }

  /**
   * EgoNCE with time-reversed negatives: {@code reversed} (R, E), R ≤ B, holds the embeddings of clips 0..R−1 played
   * backwards (null for none). Reversed clip r joins the text → clip softmax of exactly the texts clip r is a
   * positive for, as one more negative: each narration must prefer its clip to the same frames in reverse order,
   * which only the order of frames can tell apart. It joins no other row (for another text it may well be a true
   * match: "picks up" reversed shows "puts down") and has no clip → text row of its own (it has no narration).
   *
   * <pre>
   *   simR  = texts · reversedᵀ                      (B, R)
   *   i_sm  = softmax([sim | simR + bias] / τ, dim=1)   bias[i,r] = 0 if mask[i,r] else −∞
   *   loss  = −mean_i log Σ_{j<B} i_sm[i,j]·mask[i,j] − mean_j log Σ_i j_sm[j,i]·mask[i,j]
   * </pre>
   */
  public static NDArray loss(NDArray texts, NDArray clips, NDArray reversed, boolean[][] positives,
      float temperature) {
    long batch = texts.getShape().get(0);
    if (!clips.getShape().equals(texts.getShape()) || positives.length != batch) {
      throw new IllegalArgumentException("Invalid EgoNCE input: texts " + texts.getShape() + ", clips "
          + clips.getShape() + ", mask of " + positives.length + " rows (all three need the same batch size B)");
    }
    NDArray mask = maskArray(texts.getManager(), positives); // (B, B)
    NDArray sim = texts.matMul(clips.transpose()); // (B, B), rows = texts
    NDArray t = HostArrays.scalar(texts.getManager(), temperature);
    NDArray textLogits = sim.div(t);
    NDArray textMask = mask;
    if (reversed != null) {
      long r = reversed.getShape().get(0);
      if (reversed.getShape().dimension() != 2 || r > batch || reversed.getShape().get(1) != texts.getShape().get(1)) {
        throw new IllegalArgumentException("Invalid EgoNCE input: reversed clips " + reversed.getShape() + " for "
            + "texts " + texts.getShape() + " (give at most B reversed clips, of the first samples, E wide)");
      }
      NDArray allowed = mask.get(":, :" + r); // (B, R): reversed clip r competes where clip r is a positive
      NDArray bias = allowed.sub(1).mul(Float.MAX_VALUE); // 0 where allowed, −max elsewhere: exp gives exactly 0
      textLogits = textLogits.concat(texts.matMul(reversed.transpose()).div(t).add(bias), 1); // (B, B+R)
      textMask = mask.concat(allowed.zerosLike(), 1);
    }
    NDArray textToClip = textLogits.softmax(1); // i_sm
    NDArray clipToText = sim.transpose().div(t).softmax(1); // j_sm
    NDArray lossI = textToClip.mul(textMask).sum(new int[] {1}).log().mean();
    NDArray lossJ = clipToText.mul(mask.transpose()).sum(new int[] {1}).log().mean();
    return lossI.add(lossJ).neg();
  }

  /**
   * Whether EgoNCE's gradient reaches a parameter. It reads only the dual encoder, so the fusion layers, their
   * {@code vision_layernorm}, {@code itm_head} (ITM's) and {@code temp} (EgoNCE has its own fixed τ) get none: the
   * trainer leaves them out, as PyTorch's optimizer skips parameters whose gradient is None.
   */
  public static boolean reaches(String name, SvittConfig config) {
    if (name.equals("temp") || name.startsWith("itm_head.") || name.startsWith("vision_layernorm.")) {
      return false;
    }
    String layerPrefix = "text_encoder.bert.encoder.layer.";
    if (name.startsWith(layerPrefix)) {
      String rest = name.substring(layerPrefix.length());
      int layer = Integer.parseInt(rest.substring(0, rest.indexOf('.')));
      return layer < config.textOnlyLayers();
    }
    return true;
  }

  private static NDArray maskArray(NDManager manager, boolean[][] positives) {
    int n = positives.length;
    float[] flat = new float[n * n];
    for (int i = 0; i < n; i++) {
      if (positives[i].length != n) {
        throw new IllegalArgumentException("Invalid EgoNCE mask: row " + i + " has " + positives[i].length
            + " entries, expected " + n + " (the mask is B × B)");
      }
      for (int j = 0; j < n; j++) {
        flat[i * n + j] = positives[i][j] ? 1f : 0f;
      }
    }
    return HostArrays.of(manager, flat, new Shape(n, n));
  }
}
