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

class IdxConverterTest {

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
  void convertsEveryTypeCodeExactly(IdxFile.Type type, double[] values, boolean gz)
      throws IOException {
    byte[] bytes = idx(type.code(), new int[] {2, 2}, bigEndian(type, values));
    Path in = write(dir.resolve("a.idx"), gz ? gzip(bytes) : bytes);
    Path out = dir.resolve("a.npy");
    try (IdxFile idx = IdxFile.open(in)) {
      assertThat(idx.type()).isEqualTo(type);
      assertThat(idx.shape()).containsExactly(2, 2);
      assertThat(idx.count()).isEqualTo(4);
      IdxConverter.toNpy(idx, out, type.dtype(), idx.shape());
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
  void reshapesAndWidensOnTheWayOut() throws IOException {
    Path in = write(dir.resolve("x.gz"), gzip(IdxFixtures.images(3, 4)));
    Path out = dir.resolve("x.npy");
    try (IdxFile idx = IdxFile.open(in)) {
      IdxConverter.toNpy(idx, out, DType.INT64, new long[] {3, 1, 4, 4});
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
      assertThatThrownBy(
              () -> IdxConverter.toNpy(idx, dir.resolve("y.npy"), DType.UINT8, new long[] {11}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(11,)")
          .hasMessageContaining("(10,)");
    }
    assertThat(dir.resolve("y.npy")).doesNotExist();
  }

  @Test
  void channelsAndInt64LabelsShapeTheOutputForTheTrainer() throws IOException {
    Path images = write(dir.resolve("x.gz"), gzip(IdxFixtures.images(3, 4)));
    Path labels = write(dir.resolve("y"), IdxFixtures.labels(3));

    IdxConverter.convert(images, dir.resolve("x.npy"), true, false);
    IdxConverter.convert(labels, dir.resolve("y.npy"), false, true);

    try (NpyArray x = NpyArray.open(dir.resolve("x.npy"));
        NpyArray y = NpyArray.open(dir.resolve("y.npy"))) {
      assertThat(x.shape()).containsExactly(3, 1, 4, 4);
      assertThat(x.dtype()).isEqualTo(DType.UINT8);
      assertThat(y.shape()).containsExactly(3);
      assertThat(y.dtype()).isEqualTo(DType.INT64);
      assertThat(y.getLong(2)).isEqualTo(2);
    }
    assertThatThrownBy(() -> IdxConverter.convert(labels, dir.resolve("c.npy"), true, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a channel axis needs images of shape (N, H, W), but " + labels + " has shape (3,)");
    assertThatThrownBy(() -> IdxConverter.convert(images, dir.resolve("l.npy"), false, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("int64 labels need a 1-d array, but " + images + " has shape (3, 4, 4)");
    assertThat(dir.resolve("c.npy")).doesNotExist();
    assertThat(dir.resolve("l.npy")).doesNotExist();
  }

  @Test
  void truncatedGzipDataLeavesNoOutput() throws IOException {
    byte[] full = IdxFixtures.images(2, 4);
    Path in = write(dir.resolve("cut.gz"), gzip(Arrays.copyOf(full, full.length - 5)));
    Path out = dir.resolve("cut.npy");

    assertThatThrownBy(() -> IdxConverter.convert(in, out, false, false))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("of the decompressed data")
        .hasMessageContaining("found end of file");
    assertThat(out).doesNotExist();
  }

  @Test
  void cutOffGzipStreamLeavesNoOutput() throws IOException {
    byte[] gz = gzip(IdxFixtures.images(20, 8));
    Path in = write(dir.resolve("cut2.gz"), Arrays.copyOf(gz, gz.length / 2));

    assertThatThrownBy(() -> IdxConverter.convert(in, dir.resolve("o.npy"), false, false))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("damaged gzip data");
    assertThat(dir.resolve("o.npy")).doesNotExist();
  }

  @Test
  void aPartlyReadFileIsNotConverted() throws IOException {
    Path in = write(dir.resolve("y"), IdxFixtures.labels(3));
    try (IdxFile idx = IdxFile.open(in)) {
      idx.read(new byte[1], 1);
      assertThatThrownBy(
              () -> IdxConverter.toNpy(idx, dir.resolve("2.npy"), DType.UINT8, idx.shape()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already read");
    }
    assertThat(dir.resolve("2.npy")).doesNotExist();
  }
}
