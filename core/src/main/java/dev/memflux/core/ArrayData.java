package dev.memflux.core;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link NpyArray} reads: the data of one mapped file ({@link MappedFile}), or a view of
 * other arrays' data (rows of several files as one array: {@link ShardSet}; a range or subset of
 * rows: {@link RowSubset}; overlapping windows: {@link WindowRows}). A view shares the mappings of
 * the arrays it views and owns nothing of theirs. The array facade checks arguments and guards
 * every access; implementations assume both.
 */
interface ArrayData {

  /** Where each row is, or null when rows are not contiguous in their file (Fortran order). */
  @Nullable RowLayout layout();

  /** The mapped files read, indexed by {@link RowLayout#file}; one for data without a layout. */
  MappedReader[] files();

  /**
   * For data without a {@link #layout()}: the offset, in its one file, of the element at {@code
   * index} (checked against the shape).
   */
  long elementOffset(long[] index);

  /**
   * For data without a {@link #layout()}: copies rows {@code ids[from..from+count)} into {@code
   * out} from index {@code at}, in C order and native byte order.
   */
  void gatherStrided(long[] ids, int from, int count, ByteBuffer out, int at);

  /** Writes elements, or null when the data is read-only (every view is). */
  @Nullable ElementWriter writer();

  /**
   * The bytes of the files this data reads (for a subset, at most the bytes of its rows): what a
   * loader weighs against memory. Overlapping windows read the bytes of their array once.
   */
  long dataBytes();

  /** Releases what this data owns, once, after the array's last access; a view owns nothing. */
  void release();
}
