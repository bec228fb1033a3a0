package dev.memflux.samples;

import static dev.memflux.samples.data.IdxFixtures.gzip;
import static dev.memflux.samples.data.IdxFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.Fifo;
import dev.memflux.core.testing.SmallDisk;
import dev.memflux.samples.data.IdxFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
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

  /** A correct .npy at {@code name} from 3 labels, the "previous output" of the tests below. */
  private Path goodOutput(String name) throws IOException {
    Path good = dir.resolve(name);
    Path labels = write(dir.resolve("good-labels"), IdxFixtures.labels(3));
    assertThat(run("idx", labels.toString(), good.toString())).as(err.toString()).isZero();
    out.getBuffer().setLength(0);
    return good;
  }

  /** A gzipped IDX of 5 images whose stream is cut off halfway. */
  private Path truncatedGzip() throws IOException {
    byte[] gz = gzip(IdxFixtures.images(5, 28));
    return write(dir.resolve("trunc.gz"), Arrays.copyOf(gz, gz.length / 2));
  }

  private List<String> hiddenTemporaryFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
    }
  }

  /** Issue 16.2: a failed convert exited 2 and deleted the previous, correct output. */
  @Test
  void aTruncatedInputLeavesThePreviousOutputAsItWasAndSaysSo() throws IOException {
    Path good = goodOutput("good.npy");
    byte[] before = Files.readAllBytes(good);
    Path in = truncatedGzip();

    int status = run("idx", in.toString(), good.toString());

    assertThat(status).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString().lines())
        .singleElement()
        .asString()
        .startsWith("memflux convert idx: " + in + ": at byte ")
        .contains("damaged gzip data")
        .endsWith("; " + good + " left as it was");
    assertThat(Files.readAllBytes(good)).isEqualTo(before);
    assertThat(hiddenTemporaryFiles()).isEmpty();
  }

  @Test
  void aFailureWithoutAPreviousOutputSaysNothingWasWritten() throws IOException {
    Path in = truncatedGzip();
    Path npy = dir.resolve("new.npy");

    assertThat(run("idx", in.toString(), npy.toString())).isEqualTo(2);

    assertThat(err.toString().strip()).endsWith("; nothing written to " + npy);
    assertThat(npy).doesNotExist();
    assertThat(hiddenTemporaryFiles()).isEmpty();
  }

  /** Issue 16.2: through a symbolic link, a failure deleted the link and half-wrote the target. */
  @Test
  void throughASymbolicLinkTheLinkStaysAndOnlyACompleteFileReplacesItsTarget() throws IOException {
    Path target = goodOutput("target.npy");
    byte[] before = Files.readAllBytes(target);
    Path link = Files.createSymbolicLink(dir.resolve("link.npy"), target.getFileName());

    assertThat(run("idx", truncatedGzip().toString(), link.toString())).isEqualTo(2);

    assertThat(link).isSymbolicLink();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(target.getFileName());
    assertThat(Files.readAllBytes(target)).isEqualTo(before);
    assertThat(err.toString().strip()).endsWith("; " + link + " left as it was");

    Path images = write(dir.resolve("x.gz"), gzip(IdxFixtures.images(5, 28)));
    assertThat(run("idx", images.toString(), link.toString())).as(err.toString()).isZero();

    assertThat(link).isSymbolicLink();
    try (NpyArray x = NpyArray.open(target)) {
      assertThat(x.shape()).containsExactly(5, 28, 28);
    }
    assertThat(hiddenTemporaryFiles()).isEmpty();
  }

  @Test
  void idxWithBytesAfterItsDataIsRefusedNamingBothLengths() throws IOException {
    byte[] labels = IdxFixtures.labels(4); // 8-byte header, 4 labels
    Path in = write(dir.resolve("y"), Arrays.copyOf(labels, labels.length + 2));
    Path npy = dir.resolve("y.npy");

    assertThat(run("idx", in.toString(), npy.toString())).isEqualTo(2);

    assertThat(err.toString().lines())
        .containsExactly(
            "memflux convert idx: "
                + in
                + ": at byte 12: expected the end of the file after 4 data bytes for shape (4,)"
                + " of U1 (12 bytes in all), found 2 more bytes (14 in all); nothing written to "
                + npy);
    assertThat(npy).doesNotExist();
  }

  /** Issue 16.6: a FIFO as input hung convert (and inspect) forever. */
  @Test
  void aFifoAsInputIsRefusedBeforeItIsOpened() throws Exception {
    Path fifo = Fifo.make(dir.resolve("fifo"));
    String[][] commands = {
      {"idx", fifo.toString(), path("a.npy")},
      {"raw", fifo.toString(), "--dtype", "<f4", "--shape", "4", path("a.npy")},
    };
    for (String[] command : commands) {
      err.getBuffer().setLength(0);

      int status = Fifo.within("convert " + command[0], () -> run(command));

      assertThat(status).isEqualTo(2);
      assertThat(err.toString().lines())
          .containsExactly("memflux convert " + command[0] + ": " + fifo + ": not a regular file");
    }
    assertThat(dir.resolve("a.npy")).doesNotExist();
  }

  @Test
  void aDirectoryAsInputIsNamedAsSuch() {
    assertThat(run("idx", dir.toString(), path("a.npy"))).isEqualTo(2);
    assertThat(err.toString().lines())
        .containsExactly("memflux convert idx: " + dir + ": is a directory");
  }

  /** Issue 16.2 on a full disk: the previous output survives and the message says why. */
  @Test
  void aFullDiskLeavesThePreviousOutputAsItWas() throws Exception {
    Path small = Files.createDirectory(dir.resolve("small"));
    try (SmallDisk disk = SmallDisk.mount(small, "1m")) {
      Path good = small.resolve("good.npy");
      Path labels = write(dir.resolve("labels"), IdxFixtures.labels(3));
      assertThat(run("idx", labels.toString(), good.toString())).as(err.toString()).isZero();
      byte[] before = Files.readAllBytes(good);
      Path images = write(dir.resolve("big.gz"), gzip(IdxFixtures.images(2000, 28))); // 1.5 MiB

      int status = run("idx", images.toString(), good.toString());

      assertThat(status).isEqualTo(2);
      assertThat(err.toString().lines())
          .singleElement()
          .asString()
          .startsWith("memflux convert idx: " + good + ": cannot write: the file needs 1568128")
          .endsWith(" free; " + good + " left as it was");
      assertThat(Files.readAllBytes(good)).isEqualTo(before);
      try (Stream<Path> files = Files.list(small)) {
        assertThat(files).containsExactly(good);
      }
    }
  }
}
