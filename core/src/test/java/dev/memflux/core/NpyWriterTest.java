package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyWriterTest {

  @TempDir Path dir;

  /** More values than one buffer holds, so flushing is exercised; all fit every dtype tested. */
  private static final int COUNT = 40_000;

  private static long value(int i) {
    return (i * 37L) % 100 - (i % 3 == 0 ? 0 : 20);
  }

  @ParameterizedTest
  @ValueSource(strings = {"|u1", "<i2", ">i4", "<i8", "<f2", "<f4", ">f8", "|b1"})
  void writesTheSameBytesAsNpyArrayElementByElement(String descr) throws IOException {
    DType dtype = DType.parse(descr);
    boolean unsigned = dtype.kind() == DType.Kind.UINT;
    Path expected = dir.resolve("expected.npy");
    Path written = dir.resolve("written.npy");
    try (NpyArray a = NpyArray.create(expected, dtype, new long[] {COUNT / 4, 4})) {
      for (int i = 0; i < COUNT; i++) {
        a.setLong(unsigned ? Math.abs(value(i)) : value(i), i / 4, i % 4);
      }
      a.force();
    }
    try (NpyWriter w = NpyWriter.create(written, dtype, new long[] {COUNT / 4, 4})) {
      for (int i = 0; i < COUNT; i++) {
        w.putLong(unsigned ? Math.abs(value(i)) : value(i));
      }
      w.finish();
    }
    assertThat(Files.readAllBytes(written)).isEqualTo(Files.readAllBytes(expected));
  }

  @Test
  void putDoubleTruncatesTowardZeroLikeNpyArray() throws IOException {
    Path out = dir.resolve("i.npy");
    try (NpyWriter w = NpyWriter.create(out, DType.INT16, new long[] {3})) {
      w.putDouble(-2.7);
      w.putDouble(2.7);
      w.put(ByteBuffer.allocate(2).order(DType.INT16.order()).putShort(0, (short) 9));
      w.finish();
    }
    try (NpyArray a = NpyArray.open(out)) {
      assertThat(new long[] {a.getLong(0), a.getLong(1), a.getLong(2)}).containsExactly(-2, 2, 9);
    }
  }

  @Test
  void aValueThatDoesNotFitNamesTheFileAndValue() throws IOException {
    Path out = dir.resolve("u.npy");
    try (NpyWriter w = NpyWriter.create(out, DType.UINT8, new long[] {1})) {
      assertThatThrownBy(() -> w.putLong(256))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(out.toString())
          .hasMessageContaining("256");
    }
    assertThat(out).doesNotExist();
  }

  @Test
  void anUnfinishedFileNeverAppears() throws IOException {
    Path out = dir.resolve("short.npy");
    try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {2})) {
      w.putLong(1);
      assertThatThrownBy(w::finish)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("8 data bytes were never written");
    }
    assertThat(out).doesNotExist();
  }

  @Test
  void tooManyElementsAreRefused() throws IOException {
    Path out = dir.resolve("long.npy");
    try (NpyWriter w = NpyWriter.create(out, DType.INT8, new long[] {1})) {
      w.putLong(1);
      // Refused at the put itself, as documented, not later at a flush or finish.
      assertThatThrownBy(() -> w.putLong(2))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(out.toString());
      assertThatThrownBy(() -> w.put(ByteBuffer.allocate(1)))
          .isInstanceOf(IllegalStateException.class);
      w.finish();
    }
    assertThat(out).exists();
  }

  /** A (rows,) int64 file whose element i is {@code base + i}. */
  private static void ramp(Path out, long rows, long base) throws IOException {
    try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {rows})) {
      for (long i = 0; i < rows; i++) {
        w.putLong(base + i);
      }
      w.finish();
    }
  }

  private static void assertRamp(NpyArray a, long rows, long base) {
    assertThat(a.rows()).isEqualTo(rows);
    for (long i = 0; i < rows; i++) {
      if (a.getLong(i) != base + i) {
        throw new AssertionError(
            a.path() + "[" + i + "] is " + a.getLong(i) + ", not " + (base + i));
      }
    }
  }

  /** Issue 16.1: re-creating a file in place gave its open readers zero rows. */
  @Test
  void aReaderOfTheOldFileKeepsItsBytesWhileAndAfterTheFileIsReplaced() throws IOException {
    Path out = dir.resolve("data.npy");
    long rows = 100_000;
    ramp(out, rows, 1);
    try (NpyArray reader = NpyArray.open(out)) {
      try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {rows})) {
        for (long i = 0; i < rows; i++) {
          w.putLong(-i);
        }
        assertRamp(reader, rows, 1);
        w.finish();
      }
      assertRamp(reader, rows, 1);
      long[] delivered = new long[1];
      Loader.builder(reader)
          .batchSize(4096)
          .build()
          .batches()
          .doOnNext(
              b -> {
                try (b) {
                  long[] ids = b.indices();
                  for (int k = 0; k < ids.length; k++) {
                    assertThat(b.field(0).getLong(k * 8)).isEqualTo(ids[k] + 1);
                  }
                  delivered[0] += ids.length;
                }
              })
          .blockLast(java.time.Duration.ofSeconds(30));
      assertThat(delivered[0]).as("rows streamed from the replaced file").isEqualTo(rows);
    }
    try (NpyArray replaced = NpyArray.open(out)) {
      assertThat(replaced.getLong(rows - 1)).isEqualTo(-(rows - 1));
    }
  }

  /** Issue 16.2: a failed write destroyed the previous, good output. */
  @Test
  void aFailedWriteLeavesThePreviousFileAsItWas() throws IOException {
    Path out = dir.resolve("good.npy");
    ramp(out, 1000, 7);
    byte[] before = Files.readAllBytes(out);
    try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {2000})) {
      w.putLong(1);
      assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.readAllBytes(out)).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(files).as("no temporary file left").containsExactly(out);
    }
  }

  /** Issue 16.2: through a symbolic link a failure deleted the link and half-wrote the target. */
  @Test
  void throughASymbolicLinkTheLinkStaysAndItsTargetIsReplacedWholeOrNotAtAll() throws IOException {
    Path target = Files.createDirectory(dir.resolve("store")).resolve("real.npy");
    ramp(target, 1000, 7);
    byte[] before = Files.readAllBytes(target);
    Path link = Files.createSymbolicLink(dir.resolve("link.npy"), target);

    try (NpyWriter w = NpyWriter.create(link, DType.INT64, new long[] {1000})) {
      w.putLong(1);
    }
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readAllBytes(target)).isEqualTo(before);

    ramp(link, 500, 3);
    assertThat(Files.readSymbolicLink(link)).isEqualTo(target);
    try (NpyArray a = NpyArray.open(target)) {
      assertRamp(a, 500, 3);
    }
  }

  /** Issue 16.7: NpyWriter wrote 22,000-dimension files numpy cannot load. */
  @Test
  void moreDimensionsThanNumpyReadsAreRefusedBeforeAnythingIsWritten() {
    long[] shape = new long[22_000];
    java.util.Arrays.fill(shape, 1);
    Path out = dir.resolve("deep.npy");
    assertThatThrownBy(() -> NpyWriter.create(out, DType.UINT8, shape))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a shape of 22000 dimensions: .npy files hold at most 64 (numpy reads no more)");
    assertThatThrownBy(() -> NpyArray.create(out, DType.UINT8, shape))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("22000 dimensions");
    assertThat(out).doesNotExist();
  }

  @Test
  void sixtyFourDimensionsAreWrittenAndReadBack() throws IOException {
    long[] shape = new long[64];
    java.util.Arrays.fill(shape, 1);
    shape[0] = 2;
    Path out = dir.resolve("deep.npy");
    try (NpyWriter w = NpyWriter.create(out, DType.UINT8, shape)) {
      w.putLong(4);
      w.putLong(5);
      w.finish();
    }
    try (NpyArray a = NpyArray.open(out)) {
      assertThat(a.ndim()).isEqualTo(64);
      assertThat(a.getLong(new long[64])).isEqualTo(4);
    }
  }
}
