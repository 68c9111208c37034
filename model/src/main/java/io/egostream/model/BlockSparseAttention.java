package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.ThreadLocalRandom;

/**
 * SViTT's edge sparsity. Patch tokens are cut into contiguous blocks of {@code blockSize} (the last one padded); each
 * query block attends to [CLS] and to the key blocks of its {@link BlockPattern}; the [CLS] query attends to every
 * token. The relative position bias of each (query, key) pair is looked up by the tokens' original indices, so it
 * stays right after pruning.
 *
 * <p>Keys and values are gathered per query block as rows of a flat (B·H·L, d) view, the fastest gather on the CPU
 * engine; padded keys are zero vectors whose original index is [CLS]'s, exactly as in the released code, and are
 * masked out unless {@link SvittConfig#maskPaddedKeys()} is off.
 */
final class BlockSparseAttention implements AttentionKernel {
  private final int blockSize;
  private final int localBlocks;
  private final int randomBlocks;
  private final long seed;
  private final boolean redraw;
  private final boolean maskPaddedKeys;

  BlockSparseAttention(SvittConfig config) {
    this.blockSize = config.blockSize();
    this.localBlocks = config.localBlocks();
    this.randomBlocks = config.randomBlocks();
    this.seed = config.attentionSeed();
    this.redraw = config.redrawRandomBlocks();
    this.maskPaddedKeys = config.maskPaddedKeys();
  }

  BlockPattern pattern(int patchTokens, int layer) {
    int numBlocks = (patchTokens + blockSize - 1) / blockSize;
    long drawSeed = redraw ? ThreadLocalRandom.current().nextLong() : seed; // redraw: a fresh pattern every pass
    return BlockPattern.of(numBlocks, localBlocks, randomBlocks, drawSeed, layer);
  }

  @Override
  public Attended attend(
      NDArray q, NDArray k, NDArray v, TokenPositions positions, RelativePositionBias3d bias, int layer) {
    NDManager m = q.getManager();
    long[] s = q.getShape().getShape(); // (B, H, L, d)
    long batch = s[0];
    long heads = s[1];
    long length = s[2];
    long dim = s[3];
    int patches = Math.toIntExact(length - 1);
    BlockPattern pattern = pattern(patches, layer);
    int nb = pattern.numBlocks();
    long padded = 1L + (long) nb * blockSize; // Lp
    long keysPerBlock = 1L + (long) pattern.blocksPerQuery() * blockSize; // K

    // The dense [CLS] row: its probabilities are also what token pruning ranks patches by.
    NDArray[] cls = AttentionKernel.denseRows(q.get(":, :, 0:1"), k.transpose(0, 1, 3, 2), v,
        positions.index(m, 0, 1), bias); // (B, H, 1, L), (B, H, 1, d)

    long[] keyIndex = pattern.keyPositions(blockSize);
    NDArray keyPositions = HostArrays.of(m, keyIndex, new Shape(nb, keysPerBlock)); // (nb, K)
    NDArray qBlocks = padTokens(q.get(":, :, 1:"), padded - 1).reshape(batch, heads, nb, blockSize, dim);
    NDArray kGathered = gatherKeys(padTokens(k, padded), keyPositions, batch * heads) // (B, H, nb, K, d)
        .reshape(batch, heads, nb, keysPerBlock, dim);
    NDArray vGathered = gatherKeys(padTokens(v, padded), keyPositions, batch * heads)
        .reshape(batch, heads, nb, keysPerBlock, dim);

    NDArray scores = qBlocks.matMul(kGathered.transpose(0, 1, 2, 4, 3)) // (B, H, nb, bs, K)
        .add(bias.lookup(HostArrays.of(m, sparseIndex(positions, keyIndex, nb),
            new Shape(positions.rows(), nb, blockSize, keysPerBlock))));
    if (maskPaddedKeys && padded > length) {
      scores = scores.add(paddingMask(m, keyPositions, length, nb, keysPerBlock));
    }
    NDArray out = scores.softmax(-1).matMul(vGathered) // (B, H, nb, bs, d)
        .reshape(batch, heads, padded - 1, dim)
        .get(":, :, 0:{}", patches);
    return new Attended(cls[1].concat(out, 2), cls[0].get(":, :, 0"));
  }

  /** (B, H, L, d) zero-padded along L to {@code length}. */
  private static NDArray padTokens(NDArray x, long length) {
    long[] s = x.getShape().getShape();
    if (s[2] == length) {
      return x;
    }
    return x.concat(x.getManager().zeros(new Shape(s[0], s[1], length - s[2], s[3]), x.getDataType()), 2);
  }

  /** For each of the B·H sequences of {@code x} (B, H, Lp, d), the rows at {@code keyPositions}: (B·H, nb·K, d). */
  private static NDArray gatherKeys(NDArray x, NDArray keyPositions, long sequences) {
    long[] s = x.getShape().getShape();
    NDManager m = x.getManager();
    NDArray offsets = m.arange(0L, sequences * s[2], s[2], DataType.INT64).reshape(sequences, 1);
    NDArray index = keyPositions.reshape(1, -1).add(offsets); // (B·H, nb·K)
    return Ops.rows(x.reshape(sequences * s[2], s[3]), index);
  }

  /**
   * Bias table index of every (patch query, gathered key) pair: (B or 1, nb, bs, K). Padding takes [CLS]'s original
   * index, as the released code pads its index with 0.
   */
  private long[] sparseIndex(TokenPositions positions, long[] keyPositions, int nb) {
    int length = positions.length();
    int keys = keyPositions.length / nb;
    RelativePositions relative = positions.relative();
    long[] out = new long[positions.rows() * nb * blockSize * keys];
    int at = 0;
    for (int row = 0; row < positions.rows(); row++) {
      long[] keyOriginal = new long[keyPositions.length];
      for (int j = 0; j < keyPositions.length; j++) {
        keyOriginal[j] = keyPositions[j] < length ? positions.original(row, (int) keyPositions[j]) : 0;
      }
      for (int b = 0; b < nb; b++) {
        for (int i = 0; i < blockSize; i++) {
          int token = 1 + b * blockSize + i;
          long query = token < length ? positions.original(row, token) : 0;
          for (int j = b * keys; j < (b + 1) * keys; j++) {
            out[at++] = relative.index(query, keyOriginal[j]);
          }
        }
      }
    }
    return out;
  }

  /** −inf for padded keys, 0 elsewhere: (nb, 1, K), broadcast over batch, heads and queries. */
  private static NDArray paddingMask(NDManager m, NDArray keyPositions, long length, int nb, long keys) {
    NDArray padding = keyPositions.gte(length);
    Shape shape = padding.getShape();
    return NDArrays.where(padding, m.full(shape, Float.NEGATIVE_INFINITY), m.zeros(shape)).reshape(nb, 1, keys);
  }
}
