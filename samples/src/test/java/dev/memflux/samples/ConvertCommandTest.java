package dev.memflux.samples;

import static dev.memflux.samples.data.IdxFixtures.gzip;
import static dev.memflux.samples.data.IdxFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.samples.data.IdxFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConvertCommandTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /** Runs {@code memflux convert ARGS} with Main's error handling, as the jar does. */
  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] command = new String[args.length + 1];
    command[0] = "convert";
    System.arraycopy(args, 0, command, 1, args.length);
    return cli.execute(command);
  }

  @Test
  void idxImagesWithChannelsBecomeNchwUint8() throws IOException {
    Path in = write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(IdxFixtures.images(5, 28)));
    Path npy = dir.resolve("train_x.npy");

    int status = run("idx", in.toString(), npy.toString(), "--channels");

    assertThat(status).isZero();
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString().strip())
        .isEqualTo(
            "wrote " + npy + ": shape (5, 1, 28, 28), dtype |u1, " + Files.size(npy) + " bytes");
    try (NpyArray x = NpyArray.open(npy)) {
      assertThat(x.shape()).containsExactly(5, 1, 28, 28);
      assertThat(x.dtype()).isEqualTo(DType.UINT8);
      assertThat(x.getLong(4, 0, 27, 27)).isEqualTo((4 * 7 + 783) & 0xff);
    }
  }

  @Test
  void idxImagesKeepTheirShapeByDefault() throws IOException {
    Path in = write(dir.resolve("x"), IdxFixtures.images(2, 28));
    Path npy = dir.resolve("x.npy");
    assertThat(run("idx", in.toString(), npy.toString())).isZero();
    try (NpyArray x = NpyArray.open(npy)) {
      assertThat(x.shape()).containsExactly(2, 28, 28);
    }
  }

  @Test
  void idxLabelsCanBeWidenedToInt64() throws IOException {
    Path in = write(dir.resolve("y.gz"), gzip(IdxFixtures.labels(12)));
    Path npy = dir.resolve("y.npy");

    assertThat(run("idx", in.toString(), npy.toString(), "--labels-int64")).isZero();

    assertThat(out.toString()).contains("shape (12,), dtype <i8");
    try (NpyArray y = NpyArray.open(npy)) {
      assertThat(y.dtype()).isEqualTo(DType.INT64);
      assertThat(y.getLong(11)).isEqualTo(1);
    }
  }

  @Test
  void rawMemmapWithOffsetBecomesNpy() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + 2 * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(-1); // an 8-byte preamble skipped by --offset
    for (int i = 0; i < 6; i++) {
      b.putFloat(i * 0.5f - 1);
    }
    Path in = write(dir.resolve("data.bin"), b.array());
    Path npy = dir.resolve("data.npy");

    int status =
        run(
            "raw",
            in.toString(),
            "--dtype",
            "<f4",
            "--shape",
            "2,3",
            "--offset",
            "8",
            npy.toString());

    assertThat(status).as(err.toString()).isZero();
    assertThat(out.toString()).contains("shape (2, 3), dtype <f4");
    try (NpyArray a = NpyArray.open(npy)) {
      assertThat(a.dtype()).isEqualTo(DType.parse("<f4"));
      assertThat(a.getDouble(1, 2)).isEqualTo(1.5);
      assertThat(a.getDouble(0, 0)).isEqualTo(-1);
    }
  }

  @Test
  void rawBigEndianDataIsCopiedByteForByte() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 + 5 * 8 + 3).order(ByteOrder.BIG_ENDIAN);
    b.putInt(7); // a preamble skipped by --offset
    for (int i = 0; i < 5; i++) {
      b.putDouble(i - 2.25);
    }
    Path in = write(dir.resolve("be.bin"), b.array()); // 3 trailing bytes are not the array's
    Path npy = dir.resolve("be.npy");

    assertThat(
            run(
                "raw",
                in.toString(),
                "--dtype",
                ">f8",
                "--shape",
                "5",
                "--offset",
                "4",
                npy.toString()))
        .as(err.toString())
        .isZero();

    byte[] written = Files.readAllBytes(npy);
    byte[] data = Arrays.copyOfRange(written, written.length - 40, written.length);
    assertThat(data).isEqualTo(Arrays.copyOfRange(b.array(), 4, 44));
    try (NpyArray a = NpyArray.open(npy)) {
      assertThat(a.dtype().descr()).isEqualTo(">f8");
      assertThat(a.getDouble(4)).isEqualTo(1.75);
    }
  }

  @Test
  void malformedIdxIsOneLineOnStderrAndStatus2() throws IOException {
    Path in = write(dir.resolve("bad.gz"), gzip(new byte[] {1, 2, 3, 4, 5}));
    Path npy = dir.resolve("bad.npy");

    int status = run("idx", in.toString(), npy.toString());

    assertThat(status).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString())
        .hasLineCount(1)
        .startsWith("memflux convert idx: " + in)
        .contains("at byte 0");
    assertThat(npy).doesNotExist();
  }

  @Test
  void rawFileTooShortIsStatus2() throws IOException {
    Path in = write(dir.resolve("short.bin"), new byte[10]);
    int status =
        run(
            "raw",
            in.toString(),
            "--dtype",
            "<f4",
            "--shape",
            "4",
            dir.resolve("o.npy").toString());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).hasLineCount(1).contains("16 bytes").contains("10 bytes");
  }

  @Test
  void unknownDtypeIsStatus2() throws IOException {
    Path in = write(dir.resolve("d.bin"), new byte[16]);
    int status =
        run(
            "raw",
            in.toString(),
            "--dtype",
            "<c8",
            "--shape",
            "2",
            dir.resolve("o.npy").toString());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).hasLineCount(1).contains("unsupported dtype '<c8'");
  }

  @Test
  void rawTakesTheShapeAsNumpyPrintsItAndNamesMissingOrBadOptions() throws IOException {
    Path in = write(dir.resolve("d.bin"), new byte[24]);
    assertThat(run("raw", in.toString(), "--dtype", "<f4", "--shape", "(2, 3)", path("a.npy")))
        .as(err.toString())
        .isZero();
    try (NpyArray a = NpyArray.open(dir.resolve("a.npy"))) {
      assertThat(a.shape()).containsExactly(2, 3);
    }
    String[][] bad = {
      {"raw", in.toString(), "--shape", "6", path("b.npy")},
      {"raw", in.toString(), "--dtype", "<f4", "--shape", "2,x", path("b.npy")},
      {"raw", in.toString(), "--dtype", "<f4", "--shape", "6", "--offset", "-4", path("b.npy")},
    };
    String[] messages = {
      "needs --dtype and --shape", "invalid --shape '2,x'", "invalid --offset -4"
    };
    for (int i = 0; i < bad.length; i++) {
      err.getBuffer().setLength(0);
      assertThat(run(bad[i])).isEqualTo(2);
      assertThat(err.toString()).hasLineCount(1).contains(messages[i]);
    }
    assertThat(dir.resolve("b.npy")).doesNotExist();
  }

  private String path(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void channelsOnLabelsIsStatus2() throws IOException {
    Path in = write(dir.resolve("y"), IdxFixtures.labels(3));
    int status = run("idx", in.toString(), dir.resolve("y.npy").toString(), "--channels");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).hasLineCount(1).contains("needs images of shape (N, H, W)");
  }

  @Test
  void refusesToOverwriteItsInput() throws IOException {
    Path in = write(dir.resolve("y"), IdxFixtures.labels(3));
    assertThat(run("idx", in.toString(), in.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("is the input file");
    assertThat(Files.readAllBytes(in)).isEqualTo(IdxFixtures.labels(3));
  }

  @Test
  void helpListsBothFormats() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("idx").contains("raw");
    assertThat(run("raw", "--help")).isZero();
    assertThat(out.toString()).contains("--dtype").contains("--offset");
  }

  @Test
  void missingFormatIsAUsageError() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("missing format");
  }
}
