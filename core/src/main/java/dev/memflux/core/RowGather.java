package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Copies rows, in a given order, into one buffer: the synchronous gather behind {@link
 * NpyArray#gather} and the mapped path of the {@link Loader}. Rows back to back in their file are
 * copied in one run; Fortran-ordered rows are walked element by element. Allocates nothing per row.
 */
final class RowGather {

  private RowGather() {}

  /**
   * Copies rows {@code ids[from..from+count)} of {@code layout} into {@code out} from index {@code
   * at}, in native byte order, one copy per run of consecutive ids back to back in one file; then
   * has every reader it copied from confirm what it copied.
   *
   * @param readers the array's readers, indexed by {@link RowLayout#file}
   */
  static void gather(
      RowLayout layout,
      RowReader[] readers,
      long[] ids,
      int from,
      int count,
      ByteBuffer out,
      int at) {
    long rowBytes = layout.rowBytes();
    // Each reader touched confirms its copies (one length check per file, not per row); with many
    // files (shards), only those this batch read.
    boolean[] touched = readers.length > 1 ? new boolean[readers.length] : null;
    int end = from + count;
    int i = from;
    while (i < end) {
      long first = ids[i];
      int j = i + 1;
      if (j < end && ids[j] == first + 1) {
        long limit = layout.contiguousRows(first, end - i);
        while (j < end && ids[j] == ids[j - 1] + 1 && j - i < limit) {
          j++;
        }
      }
      int length = (int) ((j - i) * rowBytes);
      int file = layout.file(first);
      readers[file].copy(layout.offset(first), out, at, length);
      if (touched != null) {
        touched[file] = true;
      }
      at += length;
      i = j;
    }
    for (int f = 0; f < readers.length; f++) {
      if (touched == null ? count > 0 : touched[f]) {
        readers[f].verify();
      }
    }
  }

  /**
   * Fortran order: copies each row's elements in C order (last axis fastest), walking the file by
   * the array's strides.
   *
   * @param dataOffset file offset of element (0, ..., 0)
   * @param strides bytes between neighbours along each axis
   */
  static void gatherStrided(
      MappedReader reader,
      long dataOffset,
      long[] shape,
      long[] strides,
      int itemSize,
      long[] ids,
      int from,
      int count,
      ByteBuffer out,
      int at) {
    long rowElements = 1;
    for (int axis = 1; axis < shape.length; axis++) {
      rowElements *= shape[axis];
    }
    int last = shape.length - 1;
    long[] counter = new long[shape.length];
    for (int r = from; r < from + count; r++) {
      Arrays.fill(counter, 0);
      long pos = dataOffset + ids[r] * strides[0];
      for (long e = 0; e < rowElements; e++) {
        reader.copyElement(pos, out, at);
        at += itemSize;
        for (int axis = last; axis > 0; axis--) {
          if (++counter[axis] < shape[axis]) {
            pos += strides[axis];
            break;
          }
          pos -= (shape[axis] - 1) * strides[axis];
          counter[axis] = 0;
        }
      }
    }
    reader.verify();
  }
}
