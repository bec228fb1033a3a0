package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The data of {@link NpyArray#slice} and {@link NpyArray#take}: rows of another array, a contiguous
 * range or any ids in any order (repeats allowed), read through that array's mappings. Row {@code
 * i} is the parent's row {@code first + i} (a slice) or {@code ids[i]} (a subset).
 */
final class RowSubset implements ArrayData {

  private final NpyArray parent;
  private final long first;
  private final long @Nullable [] ids;
  private final long rows;
  private final @Nullable RowLayout layout;

  private RowSubset(NpyArray parent, long first, long @Nullable [] ids, long rows) {
    this.parent = parent;
    this.first = first;
    this.ids = ids;
    this.rows = rows;
    RowLayout rowsOfParent = parent.layout().orElse(null);
    this.layout =
        rowsOfParent == null
            ? null
            : ids == null ? new Sliced(rowsOfParent, first, rows) : new Taken(rowsOfParent, ids);
  }

  /** {@link NpyArray#slice}. */
  static NpyArray slice(NpyArray parent, long from, long to) {
    requireRows(parent, "slice");
    if (from < 0 || from > to || to > parent.rows()) {
      throw new IllegalArgumentException(
          "slice("
              + from
              + ", "
              + to
              + ") is out of range for the "
              + parent.rows()
              + " rows of "
              + parent.name()
              + ": it needs 0 <= from <= to <= "
              + parent.rows());
    }
    RowSubset data = new RowSubset(parent, from, null, to - from);
    return data.view("[" + from + ":" + to + "]");
  }

  /** {@link NpyArray#take}. */
  static NpyArray take(NpyArray parent, long[] ids) {
    Objects.requireNonNull(ids, "ids");
    requireRows(parent, "take");
    long[] copy = ids.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] < 0 || copy[i] >= parent.rows()) {
        throw new IllegalArgumentException(
            "take: ids["
                + i
                + "] = "
                + copy[i]
                + " is out of range [0, "
                + parent.rows()
                + ") of "
                + parent.name()
                + " (negative ids are not supported)");
      }
    }
    RowSubset data = new RowSubset(parent, 0, copy, copy.length);
    return data.view("[take of " + copy.length + " rows]");
  }

  private static void requireRows(NpyArray parent, String what) {
    if (parent.ndim() == 0) {
      throw new IllegalArgumentException(
          what + " needs an array with rows, but " + parent.name() + " is 0-d");
    }
    if (!parent.isOpen()) {
      throw new IllegalStateException(parent.name() + " is closed");
    }
  }

  private NpyArray view(String suffix) {
    long[] shape = parent.shape();
    shape[0] = rows;
    return new NpyArray(
        parent.name() + suffix,
        parent.path(),
        parent.dtype(),
        shape,
        parent.fortranOrder(),
        parent.version(),
        this,
        parent.guard());
  }

  private long parentRow(long row) {
    return ids == null ? first + row : ids[(int) row];
  }

  @Override
  public @Nullable RowLayout layout() {
    return layout;
  }

  @Override
  public MappedReader[] files() {
    return parent.files();
  }

  @Override
  public long elementOffset(long[] index) {
    long[] at = index.clone();
    at[0] = parentRow(index[0]);
    return parent.data().elementOffset(at);
  }

  @Override
  public void gatherStrided(long[] rowIds, int from, int count, ByteBuffer out, int at) {
    long[] mapped = new long[count];
    for (int i = 0; i < count; i++) {
      mapped[i] = parentRow(rowIds[from + i]);
    }
    parent.gatherRows(mapped, 0, count, out, at);
  }

  @Override
  public @Nullable ElementWriter writer() {
    return null;
  }

  @Override
  public long dataBytes() {
    long bytes = rows * parent.rowBytes();
    return ids == null ? bytes : Math.min(bytes, parent.dataBytes());
  }

  @Override
  public void release() {}

  /** The layout of a slice: the parent's rows from {@code first}. */
  private record Sliced(RowLayout parent, long first, long rows) implements RowLayout {

    @Override
    public long rowBytes() {
      return parent.rowBytes();
    }

    @Override
    public int file(long row) {
      return parent.file(first + row);
    }

    @Override
    public long offset(long row) {
      return parent.offset(first + row);
    }

    @Override
    public long contiguousRows(long row, long max) {
      return parent.contiguousRows(first + row, Math.min(max, rows - row));
    }
  }

  /** The layout of a subset: the parent's rows {@code ids}. */
  private record Taken(RowLayout parent, long[] ids) implements RowLayout {

    @Override
    public long rows() {
      return ids.length;
    }

    @Override
    public long rowBytes() {
      return parent.rowBytes();
    }

    @Override
    public int file(long row) {
      return parent.file(ids[(int) row]);
    }

    @Override
    public long offset(long row) {
      return parent.offset(ids[(int) row]);
    }

    /** Rows whose ids follow each other, as far as they are back to back in the parent. */
    @Override
    public long contiguousRows(long row, long max) {
      int r = (int) row;
      long limit = parent.contiguousRows(ids[r], Math.min(max, ids.length - row));
      long k = 1;
      while (k < limit && ids[r + (int) k] == ids[r] + k) {
        k++;
      }
      return k;
    }
  }
}
