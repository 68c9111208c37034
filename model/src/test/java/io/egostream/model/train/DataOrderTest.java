package io.egostream.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataOrderTest {
  private static final TrainingData DATA = new SyntheticClips();

  /** Each anchor is followed by one of its own neighbours; an epoch's anchors are every sample once. */
  @Test
  void sceneNegativesPairEachAnchorWithAClipOfItsVideo() {
    DataOrder order = new DataOrder(DATA, 4, true, 7);
    Set<Integer> anchorsOfEpoch = new HashSet<>();
    for (int step = 0; step < DATA.size() / 2; step++) {
      int[] batch = order.batch(step);
      assertEquals(4, batch.length);
      for (int a = 0; a < batch.length; a += 2) {
        int anchor = batch[a];
        int neighbour = batch[a + 1];
        assertTrue(Arrays.stream(DATA.neighbours(anchor)).anyMatch(n -> n == neighbour),
            "step " + step + ": " + neighbour + " is not a neighbour of " + anchor);
        assertTrue(anchorsOfEpoch.add(anchor), "anchor " + anchor + " twice in one epoch");
      }
    }
    assertEquals(DATA.size(), anchorsOfEpoch.size());
  }

  /** A batch depends only on (seed, step): a resumed run asks for step 9 without having seen steps 0-8. */
  @Test
  void batchesArePureFunctionsOfSeedAndStep() {
    DataOrder walked = new DataOrder(DATA, 4, true, 3);
    for (int step = 0; step < 9; step++) {
      walked.batch(step);
    }
    assertArrayEquals(walked.batch(9), new DataOrder(DATA, 4, true, 3).batch(9));
    assertFalse(Arrays.equals(new DataOrder(DATA, 4, true, 3).batch(9), new DataOrder(DATA, 4, true, 4).batch(9)),
        "another seed should give another batch");
  }

  /** Without scene negatives every sample of a batch is an anchor. */
  @Test
  void withoutSceneNegativesTheWholeBatchIsShuffledSamples() {
    int[] batch = new DataOrder(DATA, 8, false, 1).batch(0);
    assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7), Set.copyOf(Arrays.stream(batch).boxed().toList()));
  }
}
