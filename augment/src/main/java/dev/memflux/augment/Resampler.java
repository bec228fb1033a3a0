package dev.memflux.augment;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Composes the {@link PixelMove}s that follow each other on a sample (flips, crops, a nearest
 * rotation) into one map from output pixels to source pixels, then resamples the sample in a single
 * pass: a flip and a rotation cost one pass, not two. Every move maps whole pixel coordinates, so
 * the composition is exact: the result equals the moves applied one after another.
 *
 * <p>The map is a column and a row table before the rotation, the rotation, and a column and a row
 * table after it. The valid entries of a table (those not taking the fill) always form one span,
 * and flips and zero-padded crops keep a table arithmetic ({@code value +- i} over that span),
 * which lets the rotation step through source offsets directly. Three things first apply what was
 * composed so far: a rotation when a rotation or a mirrored border is already composed; a crop that
 * mirrors while a fill is in use; a fill value other than the one in use.
 *
 * <p>Use: {@link #start}, then the moves, then {@link #finish}; {@code start} again before the next
 * composition. A per-worker scratch: reused for every sample, it allocates nothing in steady state.
 */
final class Resampler {

  /** Marks a table entry whose pixels take the fill value. */
  private static final int OUTSIDE = -1;

  private final Axes before = new Axes();
  private final Axes after = new Axes();
  private final Run run = new Run();
  private @Nullable FloatSample sample; // the one between start and finish
  private boolean moved;
  private boolean fills;
  private float fill;

  // The rotation of the image the `before` tables produce: per output row of the rotation, the
  // point its column 0 reads, in 32.32 fixed point (+ 0.5, so a shift rounds to nearest), and the
  // step of that point per column.
  private boolean rotated;
  private long[] originX = new long[0];
  private long[] originY = new long[0];
  private long stepX;
  private long stepY;
  private int[] index = new int[0];

  /** Starts an identity composition on the sample's current geometry. */
  void start(FloatSample s) {
    sample = s;
    moved = false;
    fills = false;
    rotated = false;
    before.identity(s.width(), s.height());
  }

  /** Width of the image the moves composed so far make. */
  int width() {
    return current().width;
  }

  /** Height of the image the moves composed so far make. */
  int height() {
    return current().height;
  }

  void flipColumns() {
    current().flipColumns();
    moved = true;
  }

  void flipRows() {
    current().flipRows();
    moved = true;
  }

  /**
   * Crops the {@code height x width} window at ({@code top}, {@code left}) of the current image.
   * Where it reaches outside the image it reads 0, or mirrors for {@link Padding#REFLECT}, which
   * needs the overshoot to be below the image's size.
   */
  void crop(int top, int left, int height, int width, Padding padding) {
    Axes axes = current();
    boolean outside =
        top < 0 || left < 0 || top + height > axes.height || left + width > axes.width;
    if (outside && padding == Padding.ZERO) {
      fillWith(0f);
    } else if (outside && fills) {
      // Mirrored fill entries would split a table's valid entries into several spans, and a
      // rotation's tables must stay arithmetic: apply first, then mirror an image without fill.
      applyAndRestart();
    }
    current().crop(top, left, height, width, outside && padding == Padding.REFLECT);
    moved = true;
  }

  /**
   * Rotates the current image about its centre by the angle of cosine {@code cos} and sine {@code
   * sin}, pixels from outside taking {@code outsideValue}.
   */
  void rotate(double cos, double sin, float outsideValue) {
    if (rotated || before.mirrored) {
      applyAndRestart();
    }
    fillWith(outsideValue);
    int w = before.width;
    int h = before.height;
    if (originX.length < h) {
      originX = new long[h];
      originY = new long[h];
    }
    double cx = (w - 1) / 2.0;
    double cy = (h - 1) / 2.0;
    for (int y = 0; y < h; y++) {
      double dy = y - cy;
      originX[y] = fixed(cx - cx * cos - dy * sin + 0.5);
      originY[y] = fixed(cy - cx * sin + dy * cos + 0.5);
    }
    // Fixed-point steps make a shift floor the coordinates, several times cheaper than converting
    // a double, and keep right angles exact (every step is then 0 or +-1).
    stepX = fixed(cos);
    stepY = fixed(sin);
    after.identity(w, h);
    rotated = true;
    moved = true;
  }

  /** Resamples the sample through the composed map, unless no move changed anything. */
  void finish() {
    if (!moved) {
      return;
    }
    FloatSample s = Objects.requireNonNull(sample, "started");
    if (rotated) {
      resampleRotated(s);
    } else {
      resampleStraight(s);
    }
    s.swap(height(), width());
    moved = false;
  }

  /**
   * Without rotation every output row reads one source row through the same column table: a crop or
   * a vertical flip then copies rows whole, a horizontal flip gathers them.
   */
  private void resampleStraight(FloatSample s) {
    int w = before.width;
    int[] cols = before.cols;
    run.measure(cols, w);
    boolean ascending = run.arithmetic && run.step == 1;
    int first = run.first;
    int end = run.end;
    float[] src = s.array();
    float[] dst = s.spare();
    int srcWidth = s.width();
    int srcPlane = s.height() * srcWidth;
    int outPlane = before.height * w;
    for (int y = 0; y < before.height; y++) {
      int r = before.rows[y];
      for (int c = 0; c < s.channels(); c++) {
        int row = c * outPlane + y * w;
        if (r == OUTSIDE || first >= end) {
          Arrays.fill(dst, row, row + w, fill);
          continue;
        }
        int in = c * srcPlane + r * srcWidth;
        Arrays.fill(dst, row, row + first, fill);
        if (ascending) {
          System.arraycopy(src, in + cols[first], dst, row + first, end - first);
        } else {
          for (int x = first; x < end; x++) {
            dst[row + x] = src[in + cols[x]];
          }
        }
        Arrays.fill(dst, row + end, row + w, fill);
      }
    }
  }

  /**
   * Per output row, steps through the rotation to each pixel's source offset, then copies plane by
   * plane: the offsets are computed once for all channels and the copy loop is tight.
   */
  private void resampleRotated(FloatSample s) {
    int w = after.width;
    if (index.length < w) {
      index = new int[w];
    }
    int[] idx = index;
    // The tables before the rotation are arithmetic: a point (x1, y1) of the image being rotated
    // reads the source when it lies in their spans, at an offset linear in x1 and y1.
    run.measure(before.cols, before.width);
    assert run.arithmetic;
    int loX = run.first;
    int hiX = run.end;
    int offset = run.firstValue - run.step * run.first;
    int strideX = run.step;
    run.measure(before.rows, before.height);
    assert run.arithmetic;
    int loY = run.first;
    int hiY = run.end;
    int srcWidth = s.width();
    offset += (run.firstValue - run.step * run.first) * srcWidth;
    int strideY = run.step * srcWidth;
    // The column table after it is arithmetic too: along an output row the rotated column steps
    // by +-1.
    run.measure(after.cols, w);
    assert run.arithmetic;
    int colFirst = run.first;
    int colEnd = run.end;
    long colStart = run.firstValue;
    long dx = run.step * stepX;
    long dy = run.step * stepY;
    float[] src = s.array();
    float[] dst = s.spare();
    int channels = s.channels();
    int srcPlane = s.height() * srcWidth;
    int outPlane = after.height * w;
    for (int y = 0; y < after.height; y++) {
      int r = after.rows[y];
      int first = w;
      int end = 0;
      if (r != OUTSIDE) {
        long sx = originX[r] + colStart * stepX;
        long sy = originY[r] + colStart * stepY;
        // Both coordinates are linear along the row, so the inside pixels form one span, found
        // exactly in fixed point; the loop over it then needs no test.
        int n = colEnd - colFirst;
        long from = Math.max(0, Math.max(firstStep(sx, dx, loX, hiX), firstStep(sy, dy, loY, hiY)));
        long to = Math.min(n, Math.min(endStep(sx, dx, loX, hiX), endStep(sy, dy, loY, hiY)));
        if (from < to) {
          first = colFirst + (int) from;
          end = colFirst + (int) to;
          sx += from * dx;
          sy += from * dy;
          for (int x = first; x < end; x++, sx += dx, sy += dy) {
            idx[x] = offset + (int) (sy >> 32) * strideY + (int) (sx >> 32) * strideX;
          }
        }
      }
      for (int c = 0, in = 0; c < channels; c++, in += srcPlane) {
        int row = c * outPlane + y * w;
        if (first >= end) {
          Arrays.fill(dst, row, row + w, fill);
          continue;
        }
        Arrays.fill(dst, row, row + first, fill);
        for (int x = first; x < end; x++) {
          dst[row + x] = src[in + idx[x]];
        }
        Arrays.fill(dst, row + end, row + w, fill);
      }
    }
  }

  /**
   * For the fixed-point coordinate {@code c(k) = floor((s + k * d) / 2^32)}, linear in the step
   * {@code k}: the smallest k from which on c(k) stays in the bound it moves towards ({@code >= lo}
   * when d > 0, {@code < hi} when d < 0); MIN_VALUE or MAX_VALUE when d == 0 (always inside,
   * never). With {@link #endStep} it gives exactly the steps at which c(k) lies in [lo, hi).
   */
  private static long firstStep(long s, long d, int lo, int hi) {
    long low = (long) lo << 32;
    long high = ((long) hi << 32) - 1;
    if (d == 0) {
      return s >= low && s <= high ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return ceilDiv((d > 0 ? low : high) - s, d);
  }

  /** One past the largest k at which c(k) is still inside the bound it moves away from. */
  private static long endStep(long s, long d, int lo, int hi) {
    long low = (long) lo << 32;
    long high = ((long) hi << 32) - 1;
    if (d == 0) {
      return s >= low && s <= high ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return Math.floorDiv((d > 0 ? high : low) - s, d) + 1;
  }

  /** Math.ceilDiv arrived in Java 18. */
  private static long ceilDiv(long x, long y) {
    return -Math.floorDiv(-x, y);
  }

  /** Makes {@code value} the fill, first applying what was composed if it filled otherwise. */
  private void fillWith(float value) {
    if (fills && Float.floatToRawIntBits(fill) != Float.floatToRawIntBits(value)) {
      applyAndRestart();
    }
    fills = true;
    fill = value;
  }

  private void applyAndRestart() {
    finish();
    start(Objects.requireNonNull(sample, "started"));
  }

  private Axes current() {
    return rotated ? after : before;
  }

  private static long fixed(double v) {
    return Math.round(v * 0x1p32);
  }

  /**
   * A column and a row table from one image to an earlier one: entry {@code i} is the earlier
   * column or row that pixel column or row {@code i} reads, or {@link #OUTSIDE}. The valid entries
   * of a table always form one span (crops and flips of a span are spans).
   */
  private static final class Axes {

    int[] cols = new int[0];
    int[] rows = new int[0];
    int width;
    int height;

    /** True once a crop mirrored a border: the tables may then not be arithmetic. */
    boolean mirrored;

    private int[] spare = new int[0];

    void identity(int w, int h) {
      cols = atLeast(cols, w);
      rows = atLeast(rows, h);
      for (int x = 0; x < w; x++) {
        cols[x] = x;
      }
      for (int y = 0; y < h; y++) {
        rows[y] = y;
      }
      width = w;
      height = h;
      mirrored = false;
    }

    void flipColumns() {
      reverse(cols, width);
    }

    void flipRows() {
      reverse(rows, height);
    }

    void crop(int top, int left, int h, int w, boolean mirror) {
      int[] newCols = window(cols, width, left, w, mirror, atLeast(spare, w));
      spare = cols;
      cols = newCols;
      int[] newRows = window(rows, height, top, h, mirror, atLeast(spare, h));
      spare = rows;
      rows = newRows;
      width = w;
      height = h;
      mirrored |= mirror;
    }

    /** {@code map} seen through a window of {@code size} entries starting at {@code from}. */
    private static int[] window(int[] map, int n, int from, int size, boolean mirror, int[] out) {
      for (int i = 0; i < size; i++) {
        int at = from + i;
        if (at < 0 || at >= n) {
          // numpy's reflect: -1 maps to 1 and n to n - 2 (the overshoot is below n).
          at = mirror ? (at < 0 ? -at : 2 * (n - 1) - at) : OUTSIDE;
          assert at == OUTSIDE || (at >= 0 && at < n);
        }
        out[i] = at == OUTSIDE ? OUTSIDE : map[at];
      }
      return out;
    }

    private static void reverse(int[] a, int n) {
      for (int i = 0, j = n - 1; i < j; i++, j--) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
    }

    private static int[] atLeast(int[] a, int n) {
      return a.length >= n ? a : new int[n];
    }
  }

  /**
   * The valid span [first, end) of a table and whether it is {@link #arithmetic}: entry {@code
   * first + i} holds {@code firstValue + i * step}, step +-1.
   */
  private static final class Run {

    int first;
    int end;
    int firstValue;
    int step;
    boolean arithmetic;

    /** Measures the first {@code n} entries of {@code map}. */
    void measure(int[] map, int n) {
      first = 0;
      while (first < n && map[first] == OUTSIDE) {
        first++;
      }
      end = n;
      while (end > first && map[end - 1] == OUTSIDE) {
        end--;
      }
      firstValue = first < end ? map[first] : 0;
      step = end - first > 1 && map[first + 1] < firstValue ? -1 : 1;
      arithmetic = true;
      for (int i = first + 1; i < end && arithmetic; i++) {
        arithmetic = map[i] == map[i - 1] + step;
      }
    }
  }
}
