package dev.memflux.samples.data;

import static dev.memflux.samples.data.IdxFixtures.gzip;
import static dev.memflux.samples.data.IdxFixtures.idx;
import static dev.memflux.samples.data.IdxFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IdxFileTest {

  @TempDir Path dir;

  /** Per type: extreme and ordinary values, written big-endian as the IDX format stores them. */
  static Stream<Arguments> everyTypeCompressedOrNot() {
    List<Arguments> args = new ArrayList<>();
    for (boolean gz : new boolean[] {false, true}) {
      args.add(Arguments.of(IdxFile.Type.U1, new double[] {0, 1, 128, 255}, gz));
      args.add(Arguments.of(IdxFile.Type.I1, new double[] {-128, -1, 0, 127}, gz));
      args.add(Arguments.of(IdxFile.Type.I2, new double[] {-32768, -300, 258, 32767}, gz));
      args.add(
          Arguments.of(IdxFile.Type.I4, new double[] {-2147483648, -70000, 1, 2147483647}, gz));
      args.add(Arguments.of(IdxFile.Type.F4, new double[] {-2.25, 0, 1.5, 3.0e38}, gz));
      args.add(Arguments.of(IdxFile.Type.F8, new double[] {-1e300, 0.1, 1e-300, 42}, gz));
    }
    return args.stream();
  }

  private static byte[] bigEndian(IdxFile.Type type, double[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * type.size());
    for (double v : values) {
      switch (type) {
        case U1, I1 -> b.put((byte) (long) v);
        case I2 -> b.putShort((short) v);
        case I4 -> b.putInt((int) v);
        case F4 -> b.putFloat((float) v);
        case F8 -> b.putDouble(v);
      }
    }
    return b.array();
  }

  @ParameterizedTest(name = "{0} gzip={2}")
  @MethodSource("everyTypeCompressedOrNot")
  void readsEveryTypeCodeExactly(IdxFile.Type type, double[] values, boolean gz)
      throws IOException {
    byte[] bytes = idx(type.code(), new int[] {2, 2}, bigEndian(type, values));
    Path in = write(dir.resolve("a.idx"), gz ? gzip(bytes) : bytes);
    Path out = dir.resolve("a.npy");
    try (IdxFile idx = IdxFile.open(in)) {
      assertThat(idx.type()).isEqualTo(type);
      assertThat(idx.shape()).containsExactly(2, 2);
      assertThat(idx.count()).isEqualTo(4);
      idx.toNpy(out, type.dtype(), idx.shape());
    }
    try (NpyArray a = NpyArray.open(out)) {
      assertThat(a.dtype()).isEqualTo(type.dtype());
      for (int i = 0; i < 4; i++) {
        double expected = type == IdxFile.Type.F4 ? (float) values[i] : values[i];
        assertThat(a.getDouble(i / 2, i % 2)).isEqualTo(expected);
      }
    }
  }

  @Test
  void detectsGzipByItsMagicNotByTheName() throws IOException {
    Path gzNamedPlain = write(dir.resolve("labels"), gzip(IdxFixtures.labels(10)));
    Path plainNamedGz = write(dir.resolve("labels.gz"), IdxFixtures.labels(10));
    for (Path in : List.of(gzNamedPlain, plainNamedGz)) {
      try (IdxFile idx = IdxFile.open(in)) {
        assertThat(idx.shape()).containsExactly(10);
      }
    }
  }

  @Test
  void reshapesAndWidensOnTheWayOut() throws IOException {
    Path in = write(dir.resolve("x.gz"), gzip(IdxFixtures.images(3, 4)));
    Path out = dir.resolve("x.npy");
    try (IdxFile idx = IdxFile.open(in)) {
      idx.toNpy(out, DType.INT64, new long[] {3, 1, 4, 4});
    }
    try (NpyArray a = NpyArray.open(out)) {
      assertThat(a.shape()).containsExactly(3, 1, 4, 4);
      assertThat(a.getLong(2, 0, 3, 1)).isEqualTo(2 * 7 + 3 * 4 + 1);
    }
  }

  @Test
  void rejectsAnOutputShapeWithAnotherElementCount() throws IOException {
    Path in = write(dir.resolve("y"), IdxFixtures.labels(10));
    try (IdxFile idx = IdxFile.open(in)) {
      assertThatThrownBy(() -> idx.toNpy(dir.resolve("y.npy"), DType.UINT8, new long[] {11}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(11,)")
          .hasMessageContaining("(10,)");
    }
    assertThat(dir.resolve("y.npy")).doesNotExist();
  }

  @Test
  void badMagicNamesFileOffsetAndBytesFound() throws IOException {
    Path in = write(dir.resolve("bad.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOfSatisfying(
            IdxFile.FormatException.class,
            e -> {
              assertThat(e.offset()).isZero();
              assertThat(e.file()).isEqualTo(in);
            })
        .hasMessageContaining(in.toString())
        .hasMessageContaining("at byte 0")
        .hasMessageContaining("expected IDX magic")
        .hasMessageContaining("found 0x934E554D");
  }

  @Test
  void unsupportedTypeCodeIsNamed() throws IOException {
    Path in = write(dir.resolve("t"), idx(0x0A, new int[] {1}, new byte[] {0}));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte 2")
        .hasMessageContaining("found 0x0A");
  }

  @Test
  void truncatedPlainFileFailsAtOpen() throws IOException {
    byte[] full = IdxFixtures.images(2, 4);
    Path in = write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 5));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte " + (full.length - 5))
        .hasMessageContaining("expected 32 data bytes for shape (2, 4, 4) of U1")
        .hasMessageContaining("found end of file");
  }

  @Test
  void truncatedHeaderIsReported() throws IOException {
    Path in = write(dir.resolve("hdr"), new byte[] {0, 0, 8, 3, 0, 0});
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte 6")
        .hasMessageContaining("expected 3 big-endian dimensions, found end of file");
  }

  @Test
  void truncatedGzipDataFailsWhileReadingAndLeavesNoOutput() throws IOException {
    byte[] full = IdxFixtures.images(2, 4);
    Path in = write(dir.resolve("cut.gz"), gzip(Arrays.copyOf(full, full.length - 5)));
    Path out = dir.resolve("cut.npy");
    try (IdxFile idx = IdxFile.open(in)) {
      assertThatThrownBy(() -> idx.toNpy(out, DType.UINT8, idx.shape()))
          .isInstanceOf(IdxFile.FormatException.class)
          .hasMessageContaining("of the decompressed data")
          .hasMessageContaining("found end of file");
    }
    assertThat(out).doesNotExist();
  }

  @Test
  void cutOffGzipStreamIsAFormatError() throws IOException {
    byte[] gz = gzip(IdxFixtures.images(20, 8));
    Path in = write(dir.resolve("cut2.gz"), Arrays.copyOf(gz, gz.length / 2));
    assertThatThrownBy(
            () -> {
              try (IdxFile idx = IdxFile.open(in)) {
                idx.toNpy(dir.resolve("o.npy"), DType.UINT8, idx.shape());
              }
            })
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining(in.toString())
        .hasMessageContaining("damaged gzip data");
    assertThat(dir.resolve("o.npy")).doesNotExist();
  }

  @Test
  void elementsCanBeReadOnlyOnce() throws IOException {
    Path in = write(dir.resolve("y"), IdxFixtures.labels(3));
    try (IdxFile idx = IdxFile.open(in)) {
      idx.toNpy(dir.resolve("1.npy"), DType.UINT8, idx.shape());
      assertThatThrownBy(() -> idx.toNpy(dir.resolve("2.npy"), DType.UINT8, idx.shape()))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.exists(dir.resolve("2.npy"))).isFalse();
  }
}
