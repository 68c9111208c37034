package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attention kernels against {@link AttentionReference}: block-sparse attention must be dense attention restricted
 * to the pattern's key set, with the bias of the tokens' original positions, also after pruning.
 */
class AttentionKernelTest {
  private static final int FRAMES = 2;
  private static final int GRID = 4; // 32 patches
  private static final int HEADS = 2;
  private static final int DIM = 4;
  private static final int BLOCK = 8;

  private final NDManager manager = NDManager.newBaseManager();
  private final Random random = new Random(7);
  private final RelativePositions relative = new RelativePositions(FRAMES, GRID);
  private final StateDict stateDict = new StateDict();
  private final RelativePositionBias3d bias = new RelativePositionBias3d(stateDict, "b", FRAMES, GRID, HEADS);
  private final float[] table;

  AttentionKernelTest() {
    Param p = stateDict.params().iterator().next();
    table = randomFloats(random, (int) p.shape().size());
    p.set(manager.create(table, p.shape()));
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void sparseEqualsDenseRestrictedToThePatternsKeys() {
    BlockSparseAttention sparse = new BlockSparseAttention(config(1, 1, true));
    check(sparse, TokenPositions.all(32, relative), 2, 5, true, 11);
  }

  @Test
  void sparseAfterPruningUsesOriginalPositionsAndMasksPadding() {
    // 23 kept patches: 3 blocks of 8, the last one padded by one.
    TokenPositions pruned = TokenPositions.all(32, relative).keep(randomKept(2, 32, 23));
    check(new BlockSparseAttention(config(1, 1, true)), pruned, 2, 3, true, 12);
  }

  @Test
  void unmaskedPaddingBehavesLikeTheReleasedCode() {
    TokenPositions pruned = TokenPositions.all(32, relative).keep(randomKept(2, 32, 23));
    check(new BlockSparseAttention(config(1, 1, false)), pruned, 2, 3, false, 13);
  }

  @Test
  void sparseWithEveryBlockReachableIsDenseAttention() {
    BlockSparseAttention sparse = new BlockSparseAttention(config(1, 3, true));
    assertTrue(sparse.pattern(32, 0).coversAll());
    TokenPositions positions = TokenPositions.all(32, relative).keep(randomKept(2, 32, 30));
    float[][][][] sparseOut = check(sparse, positions, 2, 1, true, 14);
    float[][][][] denseOut = check(new DenseAttention(), positions, 2, 1, true, 14);
    for (int b = 0; b < 2; b++) {
      for (int h = 0; h < HEADS; h++) {
        for (int i = 0; i < sparseOut[b][h].length; i++) {
          assertArrayEquals(denseOut[b][h][i], sparseOut[b][h][i], 1e-5f);
        }
      }
    }
  }

  @Test
  void denseAttentionIsTheSameInRowChunks() {
    TokenPositions positions = TokenPositions.all(32, relative).keep(randomKept(2, 32, 27));
    // 2·2·28 floats a row: a 1 KiB budget makes chunks of two rows.
    check(new DenseAttention(1024), positions, 2, 4, true, 15);
  }

  /**
   * Runs {@code kernel} on random q, k, v drawn from {@code seed} and compares every output and the [CLS]
   * probabilities with the reference; returns the kernel's output [B][H][L][d].
   */
  private float[][][][] check(AttentionKernel kernel, TokenPositions positions, int batch, int layer,
      boolean masked, long seed) {
    int length = positions.length();
    int rows = positions.rows();
    Random inputs = new Random(seed);
    float[] q = randomFloats(inputs, batch * HEADS * length * DIM);
    float[] k = randomFloats(inputs, q.length);
    float[] v = randomFloats(inputs, q.length);
    Shape shape = new Shape(batch, HEADS, length, DIM);
    Attended got = kernel.attend(manager.create(q, shape), manager.create(k, shape), manager.create(v, shape),
        positions, bias, layer);
    float[] out = got.out().toFloatArray();
    float[] cls = got.clsProbs().toFloatArray();

    boolean[][] allowed = new boolean[length][length];
    int[] zeroKeys = new int[length];
    if (kernel instanceof BlockSparseAttention sparse) {
      BlockPattern pattern = sparse.pattern(length - 1, layer);
      Arrays.fill(allowed[0], true);
      for (int i = 1; i < length; i++) {
        allowed[i][0] = true;
        for (int block : pattern.blocks()[(i - 1) / BLOCK]) {
          for (int j = block * BLOCK; j < (block + 1) * BLOCK; j++) {
            if (j < length - 1) {
              allowed[i][j + 1] = true;
            } else if (!masked) {
              zeroKeys[i]++;
            }
          }
        }
      }
    } else {
      for (boolean[] row : allowed) {
        Arrays.fill(row, true);
      }
    }
    AttentionReference reference = new AttentionReference(FRAMES, GRID, table, HEADS);
    float[][][][] result = new float[batch][HEADS][length][];
    for (int b = 0; b < batch; b++) {
      long[] orig = new long[length];
      for (int i = 0; i < length; i++) {
        orig[i] = positions.original(rows == 1 ? 0 : b, i);
      }
      for (int h = 0; h < HEADS; h++) {
        int base = (b * HEADS + h) * length * DIM;
        float[][] expected = reference.attend(
            matrix(q, base, length), matrix(k, base, length), matrix(v, base, length), orig, allowed, zeroKeys, h);
        for (int i = 0; i < length; i++) {
          result[b][h][i] = Arrays.copyOfRange(out, base + i * DIM, base + (i + 1) * DIM);
          assertArrayEquals(expected[i], result[b][h][i], 1e-5f, "output of token " + i + ", clip " + b);
        }
        float[] clsRow = Arrays.copyOfRange(cls, (b * HEADS + h) * length, (b * HEADS + h + 1) * length);
        assertArrayEquals(expected[length], clsRow, 1e-6f, "[CLS] probabilities, clip " + b);
        assertEquals(1.0, sum(clsRow), 1e-5);
      }
    }
    return result;
  }

  private NDArray randomKept(int batch, int patches, int keep) {
    long[] kept = new long[batch * keep];
    for (int b = 0; b < batch; b++) {
      int[] perm = random.ints(0, patches).distinct().limit(keep).sorted().toArray();
      for (int i = 0; i < keep; i++) {
        kept[b * keep + i] = perm[i];
      }
    }
    return manager.create(kept, new Shape(batch, keep));
  }

  private static SvittConfig config(int local, int randomBlocks, boolean maskPadding) {
    return SvittConfig.tiny().toBuilder()
        .frames(FRAMES).imageSize(GRID * 16).blockSize(BLOCK)
        .localBlocks(local).randomBlocks(randomBlocks).maskPaddedKeys(maskPadding)
        .build();
  }

  private static float[] randomFloats(Random random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextGaussian();
    }
    return out;
  }

  private static float[][] matrix(float[] flat, int offset, int rows) {
    float[][] m = new float[rows][DIM];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, offset + i * DIM, m[i], 0, DIM);
    }
    return m;
  }

  private static double sum(float[] values) {
    double s = 0;
    for (float x : values) {
      s += x;
    }
    return s;
  }
}
