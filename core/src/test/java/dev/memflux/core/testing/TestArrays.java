package dev.memflux.core.testing;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Small .npy files of known content for tests of stages and pipelines: every element is a function
 * of its row and its place in the row, so a test can tell what a batch should hold from its {@link
 * dev.memflux.core.Batch#indices()}. An immutable builder: {@code of} gives the type and shape,
 * {@code values} the content, {@code write} the file.
 *
 * <pre>{@code
 * NpyArray x = TestArrays.of(DType.UINT8, 300, 1, 6, 6).write(dir.resolve("x.npy"));
 * NpyArray y = TestArrays.rowIds(dir.resolve("y.npy"), 300);   // int64, row i holds i
 * // element k of row i of x (C order within the row) holds TestArrays.pattern(i, k)
 * NpyArray z = TestArrays.of(DType.FLOAT32, 300, 4)
 *     .values((row, k) -> row + k / 10.0)
 *     .write(dir.resolve("z.npy"));
 * }</pre>
 */
public final class TestArrays {

  /** What each element holds. */
  @FunctionalInterface
  public interface Values {
    /**
     * The value of element {@code k} (counted in C order within the row) of row {@code row}, stored
     * as {@link NpyArray#setDouble} stores it: it must fit the array's type.
     */
    double at(long row, long k);
  }

  private final DType type;
  private final long[] shape;
  private final Values values;

  private TestArrays(DType type, long[] shape, Values values) {
    this.type = type;
    this.shape = shape;
    this.values = values;
  }

  /**
   * An array of {@code rows} rows of {@code rowShape} (none: one element per row) of {@code type},
   * holding {@link #pattern} unless {@link #values} says otherwise.
   */
  public static TestArrays of(DType type, long rows, long... rowShape) {
    Objects.requireNonNull(type, "type");
    long[] shape = new long[rowShape.length + 1];
    shape[0] = rows;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    return new TestArrays(type, shape, TestArrays::pattern);
  }

  /** The same array holding {@code values}. */
  public TestArrays values(Values values) {
    return new TestArrays(type, shape, Objects.requireNonNull(values, "values"));
  }

  /**
   * The default content: {@code (row * 31 + k * 7) % 100}, which every numeric type holds exactly,
   * and which differs between neighbouring rows and elements.
   */
  public static double pattern(long row, long k) {
    return (row * 31 + k * 7) % 100;
  }

  /**
   * An int64 array of {@code rows} rows whose row {@code i} holds {@code i}: labels naming rows.
   */
  public static NpyArray rowIds(Path file, long rows) throws IOException {
    return of(DType.INT64, rows).values((row, k) -> row).write(file);
  }

  /**
   * Writes the array to {@code file} (replacing it) and opens it read-only, as an application's
   * {@link NpyArray#open} would; the caller closes it.
   */
  public NpyArray write(Path file) throws IOException {
    long rowSize = Arrays.stream(shape, 1, shape.length).reduce(1, Math::multiplyExact);
    try (NpyArray a = NpyArray.create(file, type, shape)) {
      long[] index = new long[shape.length];
      for (long row = 0; row < shape[0]; row++) {
        index[0] = row;
        for (long k = 0; k < rowSize; k++) {
          long rest = k;
          for (int d = shape.length - 1; d >= 1; d--) {
            index[d] = rest % shape[d];
            rest /= shape[d];
          }
          a.setDouble(values.at(row, k), index);
        }
      }
    }
    return NpyArray.open(file);
  }
}
