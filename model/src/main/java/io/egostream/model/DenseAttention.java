package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * Plain full attention, every query over every key: the dense baseline.
 *
 * <p>Queries go through in row chunks so that each (B, H, rows, L) temporary stays under {@link #CHUNK_BYTES} by
 * default: larger temporaries are mmapped and unmapped by the allocator on every call and page-fault, which made long
 * clips several times slower (docs/model.md, 'Speed on the CPU').
 */
final class DenseAttention implements AttentionKernel {
  static final long CHUNK_BYTES = 24L << 20;

  private final long chunkBytes;

  DenseAttention() {
    this(CHUNK_BYTES);
  }

  DenseAttention(long chunkBytes) {
    this.chunkBytes = chunkBytes;
  }

  @Override
  public Attended attend(
      NDArray q, NDArray k, NDArray v, TokenPositions positions, RelativePositionBias3d bias, int layer) {
    long[] s = q.getShape().getShape(); // (B, H, L, d)
    long length = s[2];
    long rowsPerChunk = Math.max(1, chunkBytes / (s[0] * s[1] * length * Float.BYTES));
    NDArray keysT = k.transpose(0, 1, 3, 2); // (B, H, d, L)
    NDList outs = new NDList();
    NDArray clsProbs = null;
    for (long start = 0; start < length; start += rowsPerChunk) {
      long from = start;
      long to = Math.min(length, start + rowsPerChunk);
      NDArray[] chunk = Ops.scoped(() -> {
        NDArray[] pr = AttentionKernel.denseRows(
            q.get(":, :, {}:{}", from, to), keysT, v,
            positions.index(q.getManager(), (int) from, (int) to), bias); // bias index (B or 1, rows, L)
        return new NDArray[] {pr[1], pr[0].get(":, :, 0")};
      }, List::of);
      if (start == 0) {
        clsProbs = chunk[1];
      }
      outs.add(chunk[0]);
    }
    return new Attended(outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 2), clsProbs);
  }
}
