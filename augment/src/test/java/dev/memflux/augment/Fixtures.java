package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.TestArrays;
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
   * {@code i} holds {@link #value}{@code (i, k)}.
   */
  static NpyArray uint8Images(Path dir, String name, int rows, long... rowShape)
      throws IOException {
    return TestArrays.of(DType.UINT8, rows, rowShape)
        .values(Fixtures::value)
        .write(dir.resolve(name));
  }

  /** Every byte value, so that scaling and rounding are tested over the whole range. */
  static int value(long row, long k) {
    return (int) ((row * 31 + k * 7) % 256);
  }

  /** A float32 array of {@code rows} rows of {@code rowShape}: {@link #uint8Images} / 255. */
  static NpyArray float32Images(Path dir, String name, int rows, long... rowShape)
      throws IOException {
    return TestArrays.of(DType.FLOAT32, rows, rowShape)
        .values((row, k) -> value(row, k) / 255.0)
        .write(dir.resolve(name));
  }

  /** An int64 label array whose row {@code i} holds {@code i}. */
  static NpyArray labels(Path dir, int rows) throws IOException {
    return TestArrays.rowIds(dir.resolve("labels.npy"), rows);
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
