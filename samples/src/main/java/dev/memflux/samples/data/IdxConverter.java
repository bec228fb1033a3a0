package dev.memflux.samples.data;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpyWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Converts IDX files (MNIST's format) to .npy: which shape and element type the output gets, and
 * each value's conversion on the way. Reading the IDX format is {@link IdxFile}'s business.
 *
 * <pre>{@code
 * IdxConverter.convert(Path.of("train-images-idx3-ubyte.gz"), Path.of("train_x.npy"), true, false);
 * IdxConverter.convert(Path.of("train-labels-idx1-ubyte.gz"), Path.of("train_y.npy"), false, true);
 * }</pre>
 */
public final class IdxConverter {

  private static final int CHUNK_BYTES = 1 << 16;

  private IdxConverter() {}

  /**
   * Converts the IDX file {@code in} to the .npy file {@code out}, keeping its shape and element
   * type except: with {@code channels}, images (N, H, W) become (N, 1, H, W), the layout of a CNN's
   * input; with {@code int64Labels}, 1-d labels become int64, the type DJL's softmax loss expects.
   * The trainer reads images converted with {@code channels} and labels with {@code int64Labels}.
   *
   * @throws IllegalArgumentException naming the file when {@code channels} is asked of a file that
   *     is not (N, H, W), or {@code int64Labels} of one that is not 1-d
   * @throws IOException when {@code in} is not valid IDX (the message names file and byte offset),
   *     is not a regular file, or a file cannot be read or written; any previous {@code out} is
   *     then left as it was
   */
  public static void convert(Path in, Path out, boolean channels, boolean int64Labels)
      throws IOException {
    try (IdxFile idx = IdxFile.open(in)) {
      long[] shape = idx.shape();
      DType dtype = idx.type().dtype();
      if (channels) {
        if (shape.length != 3) {
          throw new IllegalArgumentException(
              "a channel axis needs images of shape (N, H, W), but "
                  + in
                  + " has shape "
                  + NpyArray.shapeString(shape));
        }
        shape = new long[] {shape[0], 1, shape[1], shape[2]};
      }
      if (int64Labels) {
        if (shape.length != 1) {
          throw new IllegalArgumentException(
              "int64 labels need a 1-d array, but "
                  + in
                  + " has shape "
                  + NpyArray.shapeString(shape));
        }
        dtype = DType.INT64;
      }
      toNpy(idx, out, dtype, shape);
    }
  }

  /**
   * Streams every element of {@code idx} into a new .npy file at {@code out}, converting each value
   * to {@code dtype} as numpy's assignment would (e.g. u1 labels to int64). The shape may differ
   * from the file's as long as the element count is the same, e.g. (N, 28, 28) written as (N, 1,
   * 28, 28). The file appears whole or not at all: on any error, any previous file at {@code out}
   * stays as it was (see {@link NpyWriter}).
   *
   * @throws IllegalArgumentException when the shape's element count differs from the file's or a
   *     value does not fit {@code dtype}, or {@code dtype} is float16 (see {@link NpyWriter})
   * @throws IllegalStateException when some elements were already read
   * @throws IdxFile.FormatException when the data is truncated or the gzip stream is damaged
   */
  static void toNpy(IdxFile idx, Path out, DType dtype, long[] outShape) throws IOException {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(dtype, "dtype");
    long n = 1;
    for (long d : outShape) {
      n *= d;
    }
    if (n != idx.count()) {
      throw new IllegalArgumentException(
          "output shape "
              + NpyArray.shapeString(outShape)
              + " has "
              + n
              + " elements but "
              + idx.path()
              + " has "
              + idx.count()
              + " (shape "
              + NpyArray.shapeString(idx.shape())
              + ")");
    }
    if (idx.remaining() != idx.count()) {
      throw new IllegalStateException(idx.path() + ": some elements were already read");
    }
    try (NpyWriter dst = NpyWriter.create(out, dtype, outShape)) {
      copy(idx, dst);
      dst.finish();
    }
  }

  private static void copy(IdxFile idx, NpyWriter dst) throws IOException {
    IdxFile.Type type = idx.type();
    int size = type.size();
    byte[] chunk = new byte[CHUNK_BYTES];
    ByteBuffer be = ByteBuffer.wrap(chunk).order(ByteOrder.BIG_ENDIAN);
    DType target = dst.dtype();
    // Images (u1 to u1) and big-endian outputs of the same type need no conversion.
    boolean asIs =
        target.kind() == type.dtype().kind()
            && target.itemSize() == size
            && (size == 1 || target.order() == ByteOrder.BIG_ENDIAN);
    while (idx.remaining() > 0) {
      int n = (int) Math.min(idx.remaining(), CHUNK_BYTES / size);
      idx.read(chunk, n);
      if (asIs) {
        dst.put(ByteBuffer.wrap(chunk, 0, n * size));
        continue;
      }
      // One loop per type keeps the type dispatch out of the per-element path.
      switch (type) {
        case U1 -> {
          for (int i = 0; i < n; i++) {
            dst.putLong(chunk[i] & 0xff);
          }
        }
        case I1 -> {
          for (int i = 0; i < n; i++) {
            dst.putLong(chunk[i]);
          }
        }
        case I2 -> {
          for (int i = 0; i < n; i++) {
            dst.putLong(be.getShort(2 * i));
          }
        }
        case I4 -> {
          for (int i = 0; i < n; i++) {
            dst.putLong(be.getInt(4 * i));
          }
        }
        case F4 -> {
          for (int i = 0; i < n; i++) {
            dst.putDouble(be.getFloat(4 * i));
          }
        }
        case F8 -> {
          for (int i = 0; i < n; i++) {
            dst.putDouble(be.getDouble(8 * i));
          }
        }
      }
    }
  }
}
