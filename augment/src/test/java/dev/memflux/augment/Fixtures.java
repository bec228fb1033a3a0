package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import reactor.core.publisher.Flux;

/** Test data: .npy files of known values, and copies of batches to compare after closing them. */
final class Fixtures {

  private Fixtures() {}

  /**
   * A uint8 image array of {@code rows} rows of the given row shape, where element {@code k} of row
   * {@code i} holds {@code (i * 31 + k * 7) % 256}.
   */
  static NpyArray uint8Images(Path dir, String name, int rows, long... rowShape)
      throws IOException {
    long[] shape = new long[rowShape.length + 1];
    shape[0] = rows;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    NpyArray a = NpyArray.create(dir.resolve(name), DType.UINT8, shape);
    long rowSize = Arrays.stream(rowShape).reduce(1, (x, y) -> x * y);
    long[] index = new long[shape.length];
    for (int i = 0; i < rows; i++) {
      for (long k = 0; k < rowSize; k++) {
        index[0] = i;
        long rest = k;
        for (int d = shape.length - 1; d >= 1; d--) {
          index[d] = rest % shape[d];
          rest /= shape[d];
        }
        a.setLong(value(i, k), index);
      }
    }
    return a;
  }

  static int value(long row, long k) {
    return (int) ((row * 31 + k * 7) % 256);
  }

  /** A float32 array of {@code rows} rows of {@code rowShape} filled like {@link #uint8Images}. */
  static NpyArray float32Images(Path dir, String name, int rows, long... rowShape)
      throws IOException {
    long[] shape = new long[rowShape.length + 1];
    shape[0] = rows;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    NpyArray a = NpyArray.create(dir.resolve(name), DType.FLOAT32, shape);
    long rowSize = Arrays.stream(rowShape).reduce(1, (x, y) -> x * y);
    long[] index = new long[shape.length];
    for (int i = 0; i < rows; i++) {
      for (long k = 0; k < rowSize; k++) {
        index[0] = i;
        long rest = k;
        for (int d = shape.length - 1; d >= 1; d--) {
          index[d] = rest % shape[d];
          rest /= shape[d];
        }
        a.setDouble(value(i, k) / 255.0, index);
      }
    }
    return a;
  }

  /** An int64 label array whose row {@code i} holds {@code i}. */
  static NpyArray labels(Path dir, int rows) throws IOException {
    NpyArray a = NpyArray.create(dir.resolve("labels.npy"), DType.INT64, new long[] {rows});
    for (int i = 0; i < rows; i++) {
      a.setLong(i, i);
    }
    return a;
  }

  /** A closed-over copy of a batch: what it held, comparable after the batch went back. */
  record Snapshot(
      long epoch,
      long sequence,
      long[] indices,
      List<byte[]> fields,
      List<long[]> shapes,
      List<DType> types) {

    static Snapshot of(Batch b) {
      try (b) {
        List<byte[]> fields = new java.util.ArrayList<>();
        List<long[]> shapes = new java.util.ArrayList<>();
        List<DType> types = new java.util.ArrayList<>();
        for (int f = 0; f < b.fieldCount(); f++) {
          ByteBuffer buf = b.field(f);
          byte[] bytes = new byte[buf.remaining()];
          buf.get(bytes);
          fields.add(bytes);
          shapes.add(b.fieldShape(f));
          types.add(b.fieldType(f));
        }
        return new Snapshot(b.epoch(), b.sequence(), b.indices(), fields, shapes, types);
      }
    }

    float[] floats(int field) {
      ByteBuffer buf = ByteBuffer.wrap(fields.get(field)).order(java.nio.ByteOrder.nativeOrder());
      float[] out = new float[buf.remaining() / 4];
      buf.asFloatBuffer().get(out);
      return out;
    }
  }

  static List<Snapshot> collect(Flux<Batch> batches) {
    return batches.map(Snapshot::of).collectList().block(java.time.Duration.ofSeconds(60));
  }

  /** Every byte of every batch, in order, for exact comparisons. */
  static List<String> fingerprint(List<Snapshot> batches) {
    return batches.stream()
        .map(
            s ->
                s.epoch()
                    + "/"
                    + s.sequence()
                    + Arrays.toString(s.indices())
                    + s.fields().stream()
                        .map(java.util.Base64.getEncoder()::encodeToString)
                        .toList())
        .toList();
  }
}
