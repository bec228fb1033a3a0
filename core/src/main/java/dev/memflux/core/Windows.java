package dev.memflux.core;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The data of {@link NpyArray#windows}: row {@code i} is rows {@code [i * stride, i * stride +
 * length)} of another array (elements, for a 1-D one), read through that array's mapping. With a
 * stride shorter than the length, windows overlap and share their bytes: nothing is copied until a
 * batch is gathered.
 */
final class Windows implements ArrayData {

  private final NpyArray parent;
  private final RowLayout layout;

  private Windows(NpyArray parent, RowLayout layout) {
    this.parent = parent;
    this.layout = layout;
  }

  /** {@link NpyArray#windows}. */
  static NpyArray of(NpyArray parent, long length, long stride) {
    String call = "windows(" + length + ", " + stride + ")";
    if (length < 1 || stride < 1) {
      throw new IllegalArgumentException(
          call + ": length and stride must be >= 1, for " + parent.name());
    }
    if (parent.ndim() == 0) {
      throw new IllegalArgumentException(
          call + " needs an array with rows, but " + parent.name() + " is 0-d");
    }
    if (!parent.isOpen()) {
      throw new IllegalStateException(parent.name() + " is closed");
    }
    long rows = parent.rows();
    if (length > rows) {
      throw new IllegalArgumentException(
          call
              + ": a window of "
              + length
              + " is longer than the "
              + rows
              + (parent.ndim() == 1 ? " elements of " : " rows of ")
              + parent.name());
    }
    RowLayout elements = parent.layout().orElse(null);
    if (elements == null || elements.contiguousRows(0, rows) < rows) {
      throw new IllegalArgumentException(
          call
              + " needs the rows of "
              + parent.name()
              + " back to back in one file (a C-ordered array, or a slice of one), so that"
              + " every window is one run of bytes; "
              + (elements == null
                  ? "it is in Fortran order (np.ascontiguousarray makes it C order)"
                  : "they span several files: take windows of each shard instead"));
    }
    long count = (rows - length) / stride + 1;
    Windows data = new Windows(parent, new Rows(elements, length, stride, count));
    long[] parentShape = parent.shape();
    long[] shape = new long[parentShape.length + 1];
    shape[0] = count;
    shape[1] = length;
    System.arraycopy(parentShape, 1, shape, 2, parentShape.length - 1);
    return new NpyArray(
        parent.name() + "." + call,
        parent.path(),
        parent.dtype(),
        shape,
        false,
        parent.version(),
        data,
        parent.guard());
  }

  @Override
  public RowLayout layout() {
    return layout;
  }

  @Override
  public MappedReader[] files() {
    return parent.files();
  }

  @Override
  public long elementOffset(long[] index) {
    throw new UnsupportedOperationException("windows have a layout");
  }

  @Override
  public void gatherStrided(long[] ids, int from, int count, ByteBuffer out, int at) {
    throw new UnsupportedOperationException("windows have a layout");
  }

  @Override
  public @Nullable ElementWriter writer() {
    return null;
  }

  /**
   * The bytes of the array the windows cover, each read once however much windows overlap, and none
   * of the gaps between them.
   */
  @Override
  public long dataBytes() {
    Rows rows = (Rows) layout;
    long span = (rows.rows() - 1) * rows.stride() + rows.length();
    return Math.min(span, rows.rows() * rows.length()) * parent.rowBytes();
  }

  @Override
  public void release() {}

  /**
   * The layout of windows over {@code elements}, which lie back to back in one file.
   *
   * @param length rows of {@code elements} in a window
   * @param stride rows of {@code elements} from one window to the next
   * @param rows windows
   */
  private record Rows(RowLayout elements, long length, long stride, long rows)
      implements RowLayout {

    @Override
    public long rowBytes() {
      return length * elements.rowBytes();
    }

    @Override
    public int file(long row) {
      return elements.file(0);
    }

    @Override
    public long offset(long row) {
      return elements.offset(row * stride);
    }

    /** Windows are back to back only when they neither overlap nor leave gaps. */
    @Override
    public long contiguousRows(long row, long max) {
      return stride == length ? Math.min(rows - row, max) : 1;
    }
  }
}
