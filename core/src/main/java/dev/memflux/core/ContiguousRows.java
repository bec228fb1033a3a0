package dev.memflux.core;

/**
 * The layout of a C-ordered array in one file: row {@code i} at {@code dataOffset + i * rowBytes}.
 *
 * @param dataOffset file offset of the first row
 * @param rowBytes bytes in one row
 * @param rows number of rows
 */
record ContiguousRows(long dataOffset, long rowBytes, long rows) implements RowLayout {

  @Override
  public int file(long row) {
    return 0;
  }

  @Override
  public long offset(long row) {
    return dataOffset + row * rowBytes;
  }

  @Override
  public long contiguousRows(long row, long max) {
    return Math.min(rows - row, max);
  }
}
