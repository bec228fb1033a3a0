package dev.memflux.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LoaderState} records of the data set it was taken over, so that resuming over
 * another data set is refused: per field, the dtype, the shape and a hash of a fixed sample of
 * elements (evenly spaced rows, evenly spaced elements within each).
 *
 * <p>Deliberately not the path, size or modification time: a data set copied to another machine (or
 * rewritten with the same content) is the same data and resumes, while another data set of the same
 * shape is told apart by its content. The sample reads at most {@value #SAMPLE_ROWS} rows of each
 * field, so taking the fingerprint costs a few page reads, not a pass over the data; two data sets
 * that differ only outside the sample are not told apart.
 *
 * <p>Serialised as {@code descr:shape:hash} per field, comma-separated, e.g. {@code
 * |u1:60000x1x28x28:9f0c6a43b1d2e857,<i8:60000:03e1a9c4d5b6f718}.
 */
final class DataFingerprint {

  static final int SAMPLE_ROWS = 32;
  static final int SAMPLE_ELEMENTS_PER_ROW = 16;

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private DataFingerprint() {}

  /** The fingerprint of {@code fields}, reading a fixed sample of their elements. */
  static String of(NpyArray[] fields) {
    return Arrays.stream(fields).map(DataFingerprint::field).collect(Collectors.joining(","));
  }

  /**
   * Why data of fingerprint {@code there} (from a state) is not data of fingerprint {@code here}
   * (the loader's), or null when it is. An empty {@code there} (a state from before fingerprints)
   * matches any data.
   */
  static @Nullable String difference(String there, String here) {
    if (there.isEmpty() || there.equals(here)) {
      return null;
    }
    String[] a = there.split(",", -1);
    String[] b = here.split(",", -1);
    if (a.length != b.length) {
      return "it had " + a.length + " fields, this loader has " + b.length;
    }
    List<String> differences = new ArrayList<>();
    for (int f = 0; f < a.length; f++) {
      String[] x = a[f].split(":", -1);
      String[] y = b[f].split(":", -1);
      if (x.length != 3 || y.length != 3) {
        differences.add("field " + f + " is described as '" + a[f] + "', not '" + b[f] + "'");
      } else if (!x[0].equals(y[0]) || !x[1].equals(y[1])) {
        differences.add("field " + f + " was " + describe(x) + ", this loader's is " + describe(y));
      } else if (!x[2].equals(y[2])) {
        differences.add(
            "field "
                + f
                + " ("
                + describe(y)
                + ") has other content: sampled elements hash to "
                + y[2]
                + ", not "
                + x[2]);
      }
    }
    return String.join("; ", differences);
  }

  private static String describe(String[] field) {
    return "("
        + field[1].replace("x", ", ")
        + (field[1].contains("x") ? "" : ",")
        + ") "
        + field[0];
  }

  private static String field(NpyArray a) {
    long[] shape = a.shape();
    String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining("x"));
    return a.dtype().descr() + ":" + dims + ":" + String.format("%016x", sampleHash(a, shape));
  }

  /**
   * FNV-1a over the sampled elements, each read as a double: deterministic for every dtype, though
   * 64-bit integers beyond 2^53 that round to the same double are not told apart.
   */
  private static long sampleHash(NpyArray a, long[] shape) {
    if (shape.length == 0) {
      return mix(FNV_OFFSET, a.getDouble()); // a 0-d array: its one row is its one element
    }
    long rows = shape[0];
    long perRow = 1;
    for (int i = 1; i < shape.length; i++) {
      perRow *= shape[i];
    }
    long hash = FNV_OFFSET;
    if (rows == 0 || perRow == 0) {
      return hash;
    }
    long[] index = new long[shape.length];
    int sampledRows = (int) Math.min(rows, SAMPLE_ROWS);
    int sampledElements = (int) Math.min(perRow, SAMPLE_ELEMENTS_PER_ROW);
    for (int r = 0; r < sampledRows; r++) {
      index[0] = spread(r, sampledRows, rows);
      for (int e = 0; e < sampledElements; e++) {
        long flat = spread(e, sampledElements, perRow);
        for (int axis = shape.length - 1; axis >= 1; axis--) {
          index[axis] = flat % shape[axis];
          flat /= shape[axis];
        }
        hash = mix(hash, a.getDouble(index));
      }
    }
    return hash;
  }

  /** The hash after the 8 bytes of {@code value}'s bits. */
  private static long mix(long hash, double value) {
    long bits = Double.doubleToRawLongBits(value);
    for (int k = 0; k < 8; k++) {
      hash = (hash ^ ((bits >>> (8 * k)) & 0xff)) * FNV_PRIME;
    }
    return hash;
  }

  /** The {@code k}-th of {@code n} evenly spaced positions in {@code [0, length)}, both ends in. */
  private static long spread(int k, int n, long length) {
    if (k == n - 1) {
      return length - 1;
    }
    return Math.min(length - 1, (long) ((double) k * (length - 1) / (n - 1)));
  }
}
