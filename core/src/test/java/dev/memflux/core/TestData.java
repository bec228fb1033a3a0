package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.TestArrays;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

/** Small .npy files whose contents identify their rows, and checks on what loaders deliver. */
final class TestData {

  private TestData() {}

  /** An int32 array of {@code rows x width} where element (i, j) is {@code i * 1000 + j}. */
  static NpyArray features(Path dir, long rows, int width) throws IOException {
    return TestArrays.of(DType.INT32, rows, width)
        .values((i, j) -> i * 1000 + j)
        .write(dir.resolve("x_" + rows + "_" + width + ".npy"));
  }

  /** An int64 vector whose element i is i. */
  static NpyArray labels(Path dir, long rows) throws IOException {
    return TestArrays.rowIds(dir.resolve("y_" + rows + ".npy"), rows);
  }

  /**
   * Asserts that a batch from a (features, labels) loader holds exactly the rows its indices name,
   * then returns its indices.
   */
  static long[] checkContents(Batch b, int width) {
    long[] ids = b.indices();
    ByteBuffer x = b.field(0);
    ByteBuffer y = b.field(1);
    assertThat(x.remaining()).isEqualTo(ids.length * width * 4);
    assertThat(y.remaining()).isEqualTo(ids.length * 8);
    for (int k = 0; k < ids.length; k++) {
      assertThat(y.getLong(k * 8)).isEqualTo(ids[k]);
      for (int j = 0; j < width; j++) {
        assertThat(x.getInt((k * width + j) * 4)).isEqualTo((int) (ids[k] * 1000 + j));
      }
    }
    return ids;
  }

  /** Every sample id delivered by the loader, in order; closes each batch. */
  static List<Long> ids(Loader loader) {
    List<Long> out = new ArrayList<>();
    loader
        .batches()
        .doOnNext(
            b -> {
              try (b) {
                for (long id : b.indices()) {
                  out.add(id);
                }
              }
            })
        .blockLast(Duration.ofSeconds(30));
    return out;
  }

  /** Discard hooks reach the operators upstream of them, so the hook goes last. */
  static <T> Flux<T> closingDiscards(Flux<T> flux) {
    return flux.doOnDiscard(Batch.class, Batch::close);
  }

  /** Cuts {@code file} to {@code size} bytes, as another process truncating a mapped file would. */
  static void truncate(Path file, long size) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
