package dev.memflux.samples.data;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The float64 sum of every element of an array, in C order: rows are gathered in blocks and decoded
 * from native order, so a large file is summed at memory speed; rows larger than a block are read
 * element by element.
 */
final class ArraySum {

  private ArraySum() {}

  /** The sum of {@code a}'s elements, gathering blocks of about {@code blockBytes}. */
  static double of(NpyArray a, int blockBytes) {
    if (a.count() == 0) {
      return 0;
    }
    if (a.rowBytes() > blockBytes) {
      return sumByElement(a);
    }
    int rowsPerBlock = (int) Math.max(1, blockBytes / Math.max(1, a.rowBytes()));
    ByteBuffer block =
        ByteBuffer.allocateDirect((int) (rowsPerBlock * a.rowBytes()))
            .order(ByteOrder.nativeOrder());
    long[] ids = new long[rowsPerBlock];
    double sum = 0;
    for (long row = 0; row < a.rows(); row += rowsPerBlock) {
      int n = (int) Math.min(rowsPerBlock, a.rows() - row);
      for (int i = 0; i < n; i++) {
        ids[i] = row + i;
      }
      block.clear();
      a.gather(ids, 0, n, block);
      block.flip();
      sum += sumNative(block, a.dtype().toNativeOrder()); // gathers write native order
    }
    return sum;
  }

  private static double sumNative(ByteBuffer b, DType t) {
    double sum = 0;
    int size = t.itemSize();
    for (int at = 0; at < b.limit(); at += size) {
      sum += t.getDouble(b, at);
    }
    return sum;
  }

  private static double sumByElement(NpyArray a) {
    long[] shape = a.shape();
    long[] index = new long[shape.length];
    double sum = 0;
    for (long e = 0; e < a.count(); e++) {
      sum += a.getDouble(index);
      for (int axis = shape.length - 1; axis >= 0 && ++index[axis] == shape[axis]; axis--) {
        index[axis] = 0;
      }
    }
    return sum;
  }
}
