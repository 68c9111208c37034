package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The spec's sparsity rules: token counts, block patterns, top-k selection and relative positions. */
class SparsityRulesTest {

  @Test
  void tokenCountsPerStageAreTheSpecs() {
    assertEquals(List.of(784, 549, 385, 270), SvittConfig.base().tokensPerStage());
    SvittConfig eight = SvittConfig.base().toBuilder().frames(8).keepRate(0.6f).build();
    assertEquals(List.of(1568, 941, 565, 339), eight.tokensPerStage());
    assertEquals(List.of(784, 784, 784, 784), SvittConfig.base().toBuilder().keepRate(1f).build().tokensPerStage());
    assertEquals(List.of(196, 138, 97, 68), SvittConfig.tiny().tokensPerStage());
  }

  @Test
  void blockPatternIsOwnBlockPlusDistinctRandomOthersAndReproducible() {
    BlockPattern p = BlockPattern.of(14, 1, 3, 0, 2);
    Set<String> rows = new HashSet<>();
    for (int b = 0; b < 14; b++) {
      int[] blocks = p.blocks()[b];
      assertEquals(4, blocks.length, "1 local + 3 random blocks");
      assertTrue(Arrays.binarySearch(blocks, b) >= 0, "a block always sees itself");
      assertEquals(4, Arrays.stream(blocks).distinct().count());
      assertTrue(Arrays.stream(blocks).allMatch(x -> x >= 0 && x < 14));
      rows.add(Arrays.toString(blocks));
    }
    assertTrue(rows.size() > 1, "random blocks differ between query blocks");
    assertTrue(Arrays.deepEquals(p.blocks(), BlockPattern.of(14, 1, 3, 0, 2).blocks()), "same seed, same pattern");
    assertFalse(Arrays.deepEquals(p.blocks(), BlockPattern.of(14, 1, 3, 0, 3).blocks()), "layers differ");
    assertFalse(Arrays.deepEquals(p.blocks(), BlockPattern.of(14, 1, 3, 9, 2).blocks()), "seeds differ");
    assertTrue(BlockPattern.of(4, 1, 3, 0, 0).coversAll());
    assertTrue(BlockPattern.of(3, 1, 3, 0, 0).coversAll(), "fewer blocks than the pattern asks for: all of them");
    int[] wide = BlockPattern.of(10, 3, 0, 0, 0).blocks()[0];
    assertArrayEquals(new int[] {0, 1, 9}, wide, "a local window of 3 is the block and its two neighbours");
  }

  @Test
  void redrawRandomBlocksGivesAFreshPatternEveryPassAsTheReleasedCode() {
    BlockSparseAttention seeded = new BlockSparseAttention(SvittConfig.base());
    BlockSparseAttention redrawn = new BlockSparseAttention(SvittConfig.base().toBuilder().redrawRandomBlocks(true)
        .build());
    Set<String> seededDraws = new HashSet<>();
    Set<String> redrawnDraws = new HashSet<>();
    for (int pass = 0; pass < 5; pass++) {
      seededDraws.add(Arrays.deepToString(seeded.pattern(784, 0).blocks()));
      BlockPattern p = redrawn.pattern(784, 0);
      redrawnDraws.add(Arrays.deepToString(p.blocks()));
      assertEquals(4, p.blocksPerQuery(), "still its own block and 3 random others");
    }
    assertEquals(1, seededDraws.size());
    assertTrue(redrawnDraws.size() > 1, "14 query blocks drawing 3 of 13 blocks each: a repeat is all but impossible");
  }

  @Test
  void aPatchQuerySeesTwoHundredTwentyFiveKeysInBase() {
    BlockPattern p = BlockPattern.of(14, 1, 3, 0, 0);
    long[] positions = p.keyPositions(56);
    assertEquals(14 * 225, positions.length);
    assertEquals(0, positions[0], "[CLS] is every block's first key");
  }

  @Test
  void pruningKeepsTheTopScoringTokensInTheirOriginalOrder() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray scores = m.create(new float[] {0.1f, 0.9f, 0.3f, 0.8f, 0.2f, 0.5f, 0.4f, 0.0f, 0.7f, 0.6f},
          new Shape(2, 5));
      NDArray kept = Ops.topKInOrder(scores, 3);
      assertArrayEquals(new long[] {1, 2, 3, 0, 3, 4}, kept.toLongArray());
      NDArray tokens = m.arange(0f, 20f).reshape(2, 5, 2); // token i of clip b = (10b + 2i, 10b + 2i + 1)
      assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7, 10, 11, 16, 17, 18, 19},
          Ops.gatherTokens(tokens, kept).toFloatArray());
    }
  }

  @Test
  void positionsAfterTwoPrunesAreOriginalIndices() {
    try (NDManager m = NDManager.newBaseManager()) {
      TokenPositions all = TokenPositions.all(9, new RelativePositions(1, 3));
      TokenPositions first = all.keep(m.create(new long[] {0, 2, 3, 5}, new Shape(1, 4)));
      TokenPositions second = first.keep(m.create(new long[] {1, 3}, new Shape(1, 2)));
      assertArrayEquals(new int[] {2, 5}, second.patchIndices(1)[0]);
      assertEquals(0, second.original(0, 0), "[CLS] stays at 0");
      assertEquals(3, second.original(0, 1));
    }
  }

  @Test
  void relativeIndexMatchesTheReleasedFormulaForEveryPair() {
    int frames = 3;
    int grid = 4;
    RelativePositions rel = new RelativePositions(frames, grid);
    int tokens = 1 + frames * grid * grid;
    AttentionReference reference = new AttentionReference(frames, grid, new float[0], 1);
    Set<Long> distinct = new HashSet<>();
    for (int q = 0; q < tokens; q++) {
      for (int k = 0; k < tokens; k++) {
        assertEquals(reference.tableRow(q, k), rel.index(q, k), "pair " + q + ", " + k);
        distinct.add(rel.index(q, k));
      }
    }
    assertEquals(RelativePositions.tableRows(frames, grid), distinct.size(), "every table row is reachable");
  }

  @Test
  void attentionPairsAreTheSpecs() {
    // 4 frames: ~1.46 M sparse + pruned against ~7.39 M dense (785² · 12).
    assertEquals(1_464_040, VideoCost.of(SvittConfig.base()).attentionPairs());
    assertEquals(12L * 785 * 785, VideoCost.of(SvittConfig.base().dense()).attentionPairs());
    double ratio = VideoCost.of(SvittConfig.base().dense()).flops() / VideoCost.of(SvittConfig.base()).flops();
    assertEquals(1.6, ratio, 0.05, "the multiply-accumulate ratio the released configuration allows at 4 frames");
  }

  @Test
  void invalidConfigsSayWhatIsWrong() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SvittConfig.base().toBuilder().imageSize(230).build());
    assertEquals("Invalid value 230 for image_size: must be a multiple of patch_size 16", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SvittConfig.base().toBuilder().keepRate(0f).build());
    assertThrows(IllegalArgumentException.class,
        () -> SvittConfig.base().toBuilder().pruneLayers(List.of(6, 3)).build());
    assertThrows(IllegalArgumentException.class, () -> SvittConfig.preset("huge"));
  }
}
