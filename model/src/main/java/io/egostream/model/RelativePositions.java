package io.egostream.model;

/**
 * Indices into a 3D relative position bias table for pairs of tokens given by their original indices (0 = [CLS],
 * 1 + t·G² + y·G + x for the patch at frame t, row y, column x of a G×G grid).
 *
 * <p>As in the released code, the index of a patch pair is (dt+T-1)(2G-1)² + (dy+G-1)(2G-1) + (dx+G-1) with d =
 * query − key, time outermost; the three rows after those are cls→token, token→cls and cls→cls. Because the index is
 * linear in (dt, dy, dx) it is code(query) − code(key) + offset, with code(t, y, x) = t(2G-1)² + y(2G-1) + x: one
 * subtraction per pair. Index arrays are built here in plain Java: they are integer bookkeeping over at most a few
 * million pairs, which loops do in a millisecond or two, far faster than a chain of small engine ops.
 */
final class RelativePositions {
  private final long[] codes;
  private final long offset;
  private final long clsToToken;
  private final long tokenToCls;
  private final long clsToCls;

  RelativePositions(int frames, int grid) {
    long span = 2L * grid - 1;
    long perFrame = span * span;
    long patches = (long) grid * grid;
    codes = new long[Math.toIntExact(1 + frames * patches)];
    for (int p = 0; p < frames * patches; p++) {
      long t = p / patches;
      long y = (p % patches) / grid;
      long x = p % grid;
      codes[p + 1] = t * perFrame + y * span + x;
    }
    offset = (frames - 1) * perFrame + (grid - 1) * span + (grid - 1);
    long patchPairs = (2L * frames - 1) * perFrame;
    clsToToken = patchPairs;
    tokenToCls = patchPairs + 1;
    clsToCls = patchPairs + 2;
  }

  /** Rows of the bias table: (2T−1)(2G−1)² + 3. */
  static long tableRows(int frames, int grid) {
    long span = 2L * grid - 1;
    return (2L * frames - 1) * span * span + 3;
  }

  /** Table index of the pair (query token, key token), both original indices. */
  long index(long query, long key) {
    if (query == 0) {
      return key == 0 ? clsToCls : clsToToken;
    }
    return key == 0 ? tokenToCls : codes[(int) query] - codes[(int) key] + offset;
  }
}
