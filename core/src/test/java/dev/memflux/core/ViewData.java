package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Loader fields made of every kind of view, composed, whose contents identify their rows like
 * {@link TestData}'s: {@value #ROWS} samples, sample {@code i} being
 *
 * <ol>
 *   <li>{@code shards(a, empty, b).slice(10, 310)}: int32 {@code i * 1000 + j}, j < 4;
 *   <li>{@code labels.take(permutation)}: int64 {@code i};
 *   <li>{@code tokens.slice(7, 311).windows(5, 1)}: int32 {@code 7 + i + j}, j < 5 (overlapping);
 *   <li>{@code tokens.windows(3, 2).take(reversed)}: int32 {@code 2 * (348 - i) + j}, j < 3.
 * </ol>
 */
final class ViewData implements AutoCloseable {

  static final int ROWS = 300;

  private final NpyArray[] fields;
  private final NpyArray[] arrays;

  private ViewData(NpyArray[] fields, NpyArray[] arrays) {
    this.fields = fields;
    this.arrays = arrays;
  }

  /** The four view fields. */
  NpyArray[] fields() {
    return fields.clone();
  }

  /** Closes the views, then the arrays they view. */
  @Override
  public void close() {
    for (NpyArray a : fields) {
      a.close();
    }
    for (NpyArray a : arrays) {
      a.close();
    }
  }

  /** Writes the files and opens the fields over them. */
  static ViewData open(Path dir) throws IOException {
    // shards: global row g holds (g - 10) * 1000 + j; rows 0..9 are padding the slice skips
    Path a = write(dir, "shard_a.npy", DType.INT32, 120, 4, (g, j) -> (g - 10) * 1000 + j);
    Path empty = write(dir, "shard_b.npy", DType.INT32, 0, 4, (g, j) -> 0);
    Path b = write(dir, "shard_c.npy", DType.INT32, 200, 4, (g, j) -> (g + 120 - 10) * 1000 + j);
    NpyArray shards = NpyArray.openShards(List.of(a, empty, b));

    long[] permutation = new long[ROWS];
    for (int i = 0; i < ROWS; i++) {
      permutation[i] = i;
    }
    SplittableRandom random = new SplittableRandom(5);
    for (int i = ROWS - 1; i > 0; i--) {
      int k = random.nextInt(i + 1);
      long t = permutation[i];
      permutation[i] = permutation[k];
      permutation[k] = t;
    }
    long[] inverse = new long[ROWS];
    for (int i = 0; i < ROWS; i++) {
      inverse[(int) permutation[i]] = i;
    }
    NpyArray labels =
        NpyArray.open(write(dir, "labels.npy", DType.INT64, ROWS, 0, (r, j) -> inverse[(int) r]));

    NpyArray tokens = NpyArray.open(write(dir, "tokens.npy", DType.INT32, 700, 0, (e, j) -> e));
    long[] reversed = new long[ROWS];
    for (int i = 0; i < ROWS; i++) {
      reversed[i] = 348L - i;
    }
    NpyArray[] fields = {
      shards.slice(10, 10 + ROWS),
      labels.take(permutation),
      tokens.slice(7, 7 + ROWS + 4).windows(5, 1),
      tokens.windows(3, 2).take(reversed)
    };
    return new ViewData(fields, new NpyArray[] {shards, labels, tokens});
  }

  /** Asserts that {@code batch} holds exactly the rows its indices name, in every field. */
  static void check(Batch batch) {
    long[] ids = batch.indices();
    ByteBuffer x = batch.field(0);
    ByteBuffer y = batch.field(1);
    ByteBuffer w = batch.field(2);
    ByteBuffer t = batch.field(3);
    for (int k = 0; k < ids.length; k++) {
      long i = ids[k];
      for (int j = 0; j < 4; j++) {
        assertThat(x.getInt((k * 4 + j) * 4)).as("shards, sample %d", i).isEqualTo(i * 1000 + j);
      }
      assertThat(y.getLong(k * 8)).as("take, sample %d", i).isEqualTo(i);
      for (int j = 0; j < 5; j++) {
        assertThat(w.getInt((k * 5 + j) * 4)).as("windows, sample %d", i).isEqualTo(7 + i + j);
      }
      for (int j = 0; j < 3; j++) {
        assertThat(t.getInt((k * 3 + j) * 4))
            .as("take of windows, sample %d", i)
            .isEqualTo(2 * (348 - i) + j);
      }
    }
  }

  /** Element {@code (row, j)} of a file, by formula. */
  interface Values {
    long at(long row, long j);
  }

  /** Writes a .npy of {@code rows} rows of {@code width} (0 for a 1-D array) by formula. */
  static Path write(Path dir, String name, DType dtype, long rows, int width, Values values)
      throws IOException {
    Path p = dir.resolve(name);
    long[] shape = width == 0 ? new long[] {rows} : new long[] {rows, width};
    try (NpyArray out = NpyArray.create(p, dtype, shape)) {
      for (long r = 0; r < rows; r++) {
        if (width == 0) {
          out.setLong(values.at(r, 0), r);
        }
        for (int j = 0; j < width; j++) {
          out.setLong(values.at(r, j), r, j);
        }
      }
    }
    return p;
  }
}
