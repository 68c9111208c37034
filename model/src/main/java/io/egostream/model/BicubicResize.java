package io.egostream.model;

/**
 * Bicubic resampling of a frame onto a square, byte for byte what Java 2D's software loop gives, faster.
 *
 * <p>Why it exists: the shipped weights and every accuracy figure were computed with frames that Java 2D scaled
 * ({@code drawImage(image, x, y, w, h)} with {@code VALUE_INTERPOLATION_BICUBIC}, one {@code TYPE_3BYTE_BGR} image
 * onto another), so the model must see exactly those bytes; Java 2D's loop, the image copies around it and the
 * 16-sample sum it forms for every pixel were most of a frame's preprocessing time. This class mirrors OpenJDK's
 * {@code TransformHelper.c} (the path {@code DrawImage.renderImageXform} takes for a scaled upright image): the
 * inverse transform stepped in 32.32 fixed point from the first pixel's centre, only destination pixels whose centre
 * maps inside the source are drawn ({@code calculateEdges}; the rest stay 0), each sample's 4 × 4 neighbourhood from
 * {@code floor(x − ½) − 1} on with indices clamped to the image, weights from the 8-bit fraction in
 * {@code init_bicubic_table(−0.5)}'s table, and {@code (Σ v · wx · wy + 2^15) >> 16} clamped to [0, 255]. That sum is
 * exact integer arithmetic, so it is formed here in two passes (along rows, then down columns) with the same result;
 * the opaque source keeps alpha at 255, so the final blit to 3-byte BGR copies the channels unchanged. The bytes go
 * straight through the caller's per-channel lookup into the model's planes, with no image in between.
 */
final class BicubicResize {
  /** {@code init_bicubic_table(-0.5)}: weights in 1/256, indexed by distance × 256 (0 to 2). */
  private static final int[] WEIGHTS = weights(-0.5);
  private static final double ONE = 4294967296.0; // 1.0 in 32.32 fixed point
  private static final long HALF = 1L << 31;

  private final int size;
  /** The last frame geometry used: frames of a stream share one, and it is immutable, so threads can share it. */
  private volatile Plan last;

  BicubicResize(int size) {
    this.size = size;
  }

  /**
   * Draws the frame scaled to {@code scaledWidth × scaledHeight} at {@code (-(scaledWidth - S) / 2,
   * -(scaledHeight - S) / 2)} onto an S × S black square and writes the square as 3 planes (R, G, B) of S × S floats
   * into {@code out} from {@code offset}: each pixel's byte {@code v} of channel {@code c} as {@code lookup[c][v]}.
   * The scaled frame must cover the square (both scaled sides at least S), so that the drawn area starts at the
   * square's corner as assumed here.
   */
  void apply(RgbFrame frame, int scaledWidth, int scaledHeight, float[][] lookup, float[] out, int offset) {
    if (scaledWidth < size || scaledHeight < size) {
      throw new IllegalArgumentException("Invalid scaled size " + scaledWidth + "x" + scaledHeight + ": both sides "
          + "must be at least the output's " + size + " (scale the frame to cover the square)");
    }
    Plan plan = last;
    if (plan == null || !plan.fits(frame, scaledWidth, scaledHeight)) {
      plan = new Plan(frame.width(), frame.height(), scaledWidth, scaledHeight, size);
      last = plan;
    }
    int[][] rows = new int[4][size * 3]; // source rows weighted along x, by source row modulo 4
    int[] rowOf = {-1, -1, -1, -1};
    int[] r = plan.rowIndex;
    int[] w = plan.rowWeight;
    for (int y = 0; y < size; y++) {
      int to = offset + y * size;
      if (y < plan.firstY || y >= plan.endY) { // not drawn: black, a sum of 0
        down(rows[0], rows[1], rows[2], rows[3], 0, 0, 0, 0, lookup, out, to, size);
        continue;
      }
      int k = y * 4;
      for (int j = 0; j < 4; j++) {
        int source = r[k + j];
        if (rowOf[source & 3] != source) {
          alongRow(frame.rgb(), source * frame.width() * 3, plan, rows[source & 3]);
          rowOf[source & 3] = source;
        }
      }
      down(rows[r[k] & 3], rows[r[k + 1] & 3], rows[r[k + 2] & 3], rows[r[k + 3] & 3], w[k], w[k + 1], w[k + 2],
          w[k + 3], lookup, out, to, size);
    }
  }

  /** One source row weighted along x: 3 sums a destination column, each Σ v · wx (columns not drawn: 0, black). */
  private static void alongRow(byte[] rgb, int rowStart, Plan plan, int[] into) {
    int[] c = plan.columnIndex;
    int[] w = plan.columnWeight;
    for (int x = plan.firstX, end = plan.endX; x < end; x++) {
      int k = x * 4;
      int a = rowStart + c[k];
      int b = rowStart + c[k + 1];
      int d = rowStart + c[k + 2];
      int e = rowStart + c[k + 3];
      int w0 = w[k];
      int w1 = w[k + 1];
      int w2 = w[k + 2];
      int w3 = w[k + 3];
      int o = x * 3;
      into[o] = (rgb[a] & 0xFF) * w0 + (rgb[b] & 0xFF) * w1 + (rgb[d] & 0xFF) * w2 + (rgb[e] & 0xFF) * w3;
      into[o + 1] = (rgb[a + 1] & 0xFF) * w0 + (rgb[b + 1] & 0xFF) * w1 + (rgb[d + 1] & 0xFF) * w2
          + (rgb[e + 1] & 0xFF) * w3;
      into[o + 2] = (rgb[a + 2] & 0xFF) * w0 + (rgb[b + 2] & 0xFF) * w1 + (rgb[d + 2] & 0xFF) * w2
          + (rgb[e + 2] & 0xFF) * w3;
    }
  }

  /**
   * Four row sums weighted along y, rounded and clamped as Java 2D's {@code BC_STORE_COMPS}, into one output row of
   * each plane through the lookup.
   */
  private static void down(int[] r0, int[] r1, int[] r2, int[] r3, int w0, int w1, int w2, int w3,
      float[][] lookup, float[] out, int to, int size) {
    float[] red = lookup[0];
    float[] green = lookup[1];
    float[] blue = lookup[2];
    int plane = size * size;
    for (int x = 0; x < size; x++) {
      int i = x * 3;
      out[to + x] = red[byteOf(r0[i] * w0 + r1[i] * w1 + r2[i] * w2 + r3[i] * w3)];
      out[to + plane + x] = green[byteOf(r0[i + 1] * w0 + r1[i + 1] * w1 + r2[i + 1] * w2 + r3[i + 1] * w3)];
      out[to + 2 * plane + x] = blue[byteOf(r0[i + 2] * w0 + r1[i + 2] * w1 + r2[i + 2] * w2 + r3[i + 2] * w3)];
    }
  }

  /** A weighted sum in 1/2^16 rounded to a byte: Java 2D adds 2^15, shifts (rounding down) and saturates. */
  private static int byteOf(int sum) {
    return Math.max(0, Math.min((sum + (1 << 15)) >> 16, 255));
  }

  /**
   * Where every destination column and row samples the source: for each, the 4 clamped source indices (columns as
   * byte offsets in a row) and their 4 weights, and the ranges of columns and rows that are drawn at all.
   */
  private static final class Plan {
    final int sourceWidth;
    final int sourceHeight;
    final int scaledWidth;
    final int scaledHeight;
    final int[] columnIndex;
    final int[] columnWeight;
    final int[] rowIndex;
    final int[] rowWeight;
    final int firstX;
    final int endX;
    final int firstY;
    final int endY;

    Plan(int sourceWidth, int sourceHeight, int scaledWidth, int scaledHeight, int size) {
      this.sourceWidth = sourceWidth;
      this.sourceHeight = sourceHeight;
      this.scaledWidth = scaledWidth;
      this.scaledHeight = scaledHeight;
      // drawImage's transform: translate to the offset, scale the frame to the scaled size; then its inverse as
      // AffineTransform.createInverse forms it, and the first pixel centre's source point in fixed point.
      Axis x = new Axis(sourceWidth, scaledWidth, -(scaledWidth - size) / 2, size);
      Axis y = new Axis(sourceHeight, scaledHeight, -(scaledHeight - size) / 2, size);
      this.columnIndex = x.index;
      for (int i = 0; i < columnIndex.length; i++) {
        columnIndex[i] *= 3;
      }
      this.columnWeight = x.weight;
      this.rowIndex = y.index;
      this.rowWeight = y.weight;
      this.firstX = x.first;
      this.endX = x.end;
      this.firstY = y.first;
      this.endY = y.end;
    }

    boolean fits(RgbFrame frame, int scaledWidth, int scaledHeight) {
      return frame.width() == sourceWidth && frame.height() == sourceHeight && this.scaledWidth == scaledWidth
          && this.scaledHeight == scaledHeight;
    }
  }

  /**
   * One axis of the mapping (the transform is a scale and a translation, so x and y are independent): destination
   * pixel {@code i}'s source coordinate is {@code base + i · step} in 32.32 fixed point.
   */
  private static final class Axis {
    final int[] index;
    final int[] weight;
    final int first;
    final int end;

    Axis(int source, int scaled, int offset, int size) {
      double scale = (double) scaled / source;
      double inverseScale = 1.0 / scale;
      double inverseOffset = -offset / scale;
      long base = (long) ((inverseScale * 0.5 + inverseOffset) * ONE);
      long step = (long) (inverseScale * ONE);
      // calculateEdges: only pixels whose centre falls in [0, source) are drawn, scanning in from both ends.
      int from = 0;
      int to = size;
      long at = base;
      while (from < to && Integer.compareUnsigned((int) (at >> 32), source) >= 0) {
        from++;
        at += step;
      }
      at = base + (size - 1) * step;
      while (to > from && Integer.compareUnsigned((int) (at >> 32), source) >= 0) {
        to--;
        at -= step;
      }
      this.first = from;
      this.end = to;
      this.index = new int[size * 4];
      this.weight = new int[size * 4];
      for (int i = from; i < to; i++) {
        long p = base + i * step - HALF;
        int whole = (int) (p >> 32);
        int fraction = ((int) p) >>> 24;
        for (int j = 0; j < 4; j++) {
          index[i * 4 + j] = Math.max(0, Math.min(source - 1, whole - 1 + j));
        }
        weight[i * 4] = WEIGHTS[fraction + 256];
        weight[i * 4 + 1] = WEIGHTS[fraction];
        weight[i * 4 + 2] = WEIGHTS[256 - fraction];
        weight[i * 4 + 3] = WEIGHTS[512 - fraction];
      }
    }
  }

  /** Java 2D's {@code init_bicubic_table(A)} with integer weights, computed the same way step by step. */
  private static int[] weights(double a) {
    int[] w = new int[513];
    int i;
    for (i = 0; i < 256; i++) {
      double x = i / 256.0;
      x = ((a + 2) * x - (a + 3)) * x * x + 1;
      w[i] = (int) (x * 256);
    }
    for (; i < 384; i++) {
      double x = i / 256.0;
      x = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
      w[i] = (int) (x * 256);
    }
    w[384] = (256 - w[128] * 2) / 2;
    for (i++; i <= 512; i++) {
      w[i] = 256 - (w[512 - i] + w[i - 256] + w[768 - i]);
    }
    return w;
  }
}
