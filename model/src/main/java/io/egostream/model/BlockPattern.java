package io.egostream.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Which key blocks each query block attends to in block-sparse attention: a local window of blocks around its own,
 * plus random other blocks.
 *
 * <p>The released code redraws the random blocks on every forward pass, evaluation included, so the same clip can
 * get a different embedding each time. A streaming system must be reproducible, so here the pattern is a pure
 * function of (attention seed, layer, number of blocks): every clip, every batch and every call get the same
 * pattern for a layer. Within that, blocks are drawn as the released code draws them: uniformly, per query block,
 * never a block already in the local window.
 *
 * @param blocks per query block, the key blocks it sees, in ascending order; every row has the same length
 */
record BlockPattern(int[][] blocks) {

  static BlockPattern of(int numBlocks, int localBlocks, int randomBlocks, long seed, int layer) {
    int[][] rows = new int[numBlocks][];
    SplittableRandom layerRandom = new SplittableRandom(seed ^ (0x5DEECE66DL * (layer + 1)) ^ ((long) numBlocks << 40));
    for (int b = 0; b < numBlocks; b++) {
      TreeSet<Integer> chosen = new TreeSet<>();
      int before = (localBlocks - 1) / 2;
      for (int r = -before; r < localBlocks - before && chosen.size() < numBlocks; r++) {
        chosen.add(Math.floorMod(b + r, numBlocks));
      }
      List<Integer> others = new ArrayList<>();
      for (int j = 0; j < numBlocks; j++) {
        if (!chosen.contains(j)) {
          others.add(j);
        }
      }
      SplittableRandom random = layerRandom.split();
      for (int i = 0; i < randomBlocks && !others.isEmpty(); i++) {
        chosen.add(others.remove(random.nextInt(others.size())));
      }
      rows[b] = chosen.stream().mapToInt(Integer::intValue).toArray();
    }
    return new BlockPattern(rows);
  }

  int numBlocks() {
    return blocks.length;
  }

  int blocksPerQuery() {
    return blocks[0].length;
  }

  /** True when every query block sees every block, so the pattern is dense attention over the patches. */
  boolean coversAll() {
    return blocksPerQuery() == numBlocks();
  }

  /**
   * Key positions per query block in the padded sequence ([CLS] at 0, patch i at 1 + i): (numBlocks, 1 + k·size),
   * [CLS] first, then each key block's tokens.
   */
  long[] keyPositions(int blockSize) {
    int keys = 1 + blocksPerQuery() * blockSize;
    long[] positions = new long[numBlocks() * keys];
    for (int b = 0; b < numBlocks(); b++) {
      int at = b * keys;
      positions[at++] = 0;
      for (int block : blocks[b]) {
        for (int i = 0; i < blockSize; i++) {
          positions[at++] = 1L + (long) block * blockSize + i;
        }
      }
    }
    return positions;
  }
}
