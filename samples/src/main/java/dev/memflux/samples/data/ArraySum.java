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
      sum += sumNative(block, a.dtype());
    }
    return sum;
  }

  private static double sumNative(ByteBuffer b, DType t) {
    double sum = 0;
    int size = t.itemSize();
    for (int at = 0; at < b.limit(); at += size) {
      sum +=
          switch (t.kind()) {
            case BOOL -> b.get(at) != 0 ? 1 : 0;
            case INT ->
                switch (size) {
                  case 1 -> b.get(at);
                  case 2 -> b.getShort(at);
                  case 4 -> b.getInt(at);
                  default -> b.getLong(at);
                };
            case UINT ->
                switch (size) {
                  case 1 -> b.get(at) & 0xff;
                  case 2 -> b.getShort(at) & 0xffff;
                  case 4 -> b.getInt(at) & 0xffffffffL;
                  default -> unsignedToDouble(b.getLong(at));
                };
            case FLOAT ->
                switch (size) {
                  case 2 -> halfToDouble(b.getShort(at));
                  case 4 -> b.getFloat(at);
                  default -> b.getDouble(at);
                };
          };
    }
    return sum;
  }

  private static double unsignedToDouble(long v) {
    return v >= 0 ? v : ((double) ((v >>> 1) | (v & 1))) * 2.0;
  }

  /** float16 has no Java 17 type; NpyArray decodes it, so for whole blocks decode it here. */
  private static double halfToDouble(short h) {
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    double magnitude =
        exponent == 0x1f
            ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
            : exponent == 0
                ? (double) mantissa * 0x1p-24
                : Math.scalb((double) (1024 + mantissa), exponent - 25);
    return (h & 0x8000) != 0 ? -magnitude : magnitude;
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
