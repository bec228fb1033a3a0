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
  void anUnfinishedFileIsDeletedOnClose() throws IOException {
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
}
