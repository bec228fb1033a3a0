package dev.memflux.core;

/**
 * Where each row of an array lies: which of the array's files holds it, and at which byte offset.
 * Every row is {@link #rowBytes()} contiguous bytes in C order. Readers and gathers ask the layout
 * rather than computing {@code dataOffset + i * rowBytes}, so a view is a new layout over the same
 * readers: rows of several files (one reader per file), a slice or subset of rows (a row map over
 * the parent's layout), overlapping windows of a 1-D array (a stride smaller than the row), or an
 * unaligned member of an .npz (an offset the element size does not divide).
 */
interface RowLayout {

  /** Number of rows. */
  long rows();

  /** Bytes in one row. */
  long rowBytes();

  /** Which of the array's files (readers) holds row {@code row}; 0 for a single file. */
  int file(long row);

  /** File offset of the first byte of row {@code row}. */
  long offset(long row);

  /**
   * How many rows from {@code row} on, at most {@code max}, lie back to back in one file, row
   * {@code row + k} at {@code offset(row) + k * rowBytes()}: runs of them are read with one copy.
   * At least 1 (for {@code max >= 1}); bounded by {@code max} so that a layout which finds runs by
   * looking at its rows (a subset's row ids) looks no further than its caller needs.
   */
  long contiguousRows(long row, long max);
}
