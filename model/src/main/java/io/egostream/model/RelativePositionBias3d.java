package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** One layer's learned 3D relative position bias: a table of one value per head for each relative offset. */
final class RelativePositionBias3d {
  private final Param table; // (rows, H)

  RelativePositionBias3d(StateDict sd, String prefix, int frames, int grid, int heads) {
    table = sd.declare(prefix + ".relative_position_bias_table",
        new Shape(RelativePositions.tableRows(frames, grid), heads), Init.zeros());
  }

  /** Bias for table indices of shape (B, ...): result (B, H, ...). */
  NDArray lookup(NDArray index) {
    NDArray bias = Ops.rows(table.array(), index); // (B, ..., H)
    int rank = bias.getShape().dimension();
    int[] axes = new int[rank];
    axes[0] = 0;
    axes[1] = rank - 1;
    for (int i = 2; i < rank; i++) {
      axes[i] = i - 1;
    }
    return bias.transpose(axes);
  }
}
