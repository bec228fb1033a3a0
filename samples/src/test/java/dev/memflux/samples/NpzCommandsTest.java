package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.memflux.core.NpyArray;
import dev.memflux.samples.InspectCommandTest.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect} of an .npz and {@code convert npz}, on archives numpy wrote (copies of core's
 * test resources under {@code /layouts}, made by {@code make_fixtures.py} there).
 */
class NpzCommandsTest {

  @TempDir Path dir;

  /** Where fixtures are copied to, apart from the files a test expects in {@link #dir}. */
  @TempDir Path fixtures;

  /** A fixture (a copy of core's, made by numpy), copied out of the classpath to be mapped. */
  private Path fixture(String name) throws IOException {
    Path file = fixtures.resolve(name);
    try (InputStream in = NpzCommandsTest.class.getResourceAsStream("/layouts/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource /layouts/" + name);
      }
      Files.copy(in, file);
    }
    return file;
  }

  @Test
  void inspectListsTheMembersOfAnNpz() throws IOException {
    Path npz = fixture("mixed.npz");
    Run r = InspectCommandTest.run("inspect", npz.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out().strip().lines().toList())
        .containsExactly(
            "file:    " + npz,
            "members: 2 (an .npz: inspect one with --member NAME)",
            "  x     stored  (10, 3) <f8, 368 bytes",
            "  y     deflate 208 bytes (" + compressedSize(npz, 1) + " compressed), not mappable",
            "compressed members cannot be memory-mapped: memflux convert npz "
                + npz
                + " OUT.npz stores them");
  }

  @Test
  void inspectListsMembersAsJsonAndOneMemberAsANpy() throws IOException {
    Path npz = fixture("data.npz");
    Run r = InspectCommandTest.run("inspect", npz.toString(), "--json");
    assertThat(r.out().strip())
        .startsWith(
            "{\"members\":[{\"name\":\"x\",\"compression\":\"stored\",\"size\":368,"
                + "\"compressed_size\":368,\"shape\":[10,3],\"descr\":\"<f8\"},")
        .contains("{\"name\":\"scalar\",\"compression\":\"stored\",\"size\":136,")
        .endsWith("\"shape\":[],\"descr\":\"<i8\"}]}");
    Run member = InspectCommandTest.run("inspect", npz.toString(), "--member", "y", "--json");
    assertThat(member.out().strip())
        .isEqualTo(
            "{\"shape\":[10],\"descr\":\"<f8\",\"fortran_order\":false,\"version\":\"1.0\","
                + "\"count\":10,\"sum\":80.0,\"first\":-1.0,\"last\":17.0}");
  }

  @Test
  void inspectOfACompressedMemberNamesTheConversion() throws IOException {
    Path npz = fixture("compressed.npz");
    Run r = InspectCommandTest.run("inspect", npz.toString(), "--member", "x");
    assertThat(r.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err().strip())
        .isEqualTo(
            "memflux inspect: "
                + npz
                + ": member 'x' is compressed (deflate, as np.savez_compressed writes), and only"
                + " stored members (np.savez) can be memory-mapped; store them with: memflux"
                + " convert npz "
                + npz
                + " OUT.npz");
  }

  @Test
  void convertNpzStoresEveryMemberAlignedAndTheArraysAreUnchanged() throws Exception {
    Path out = dir.resolve("stored.npz");
    Run r =
        InspectCommandTest.run(
            "convert", "npz", fixture("compressed.npz").toString(), out.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out().strip())
        .isEqualTo(
            "wrote " + out + ": 2 members, all stored (x, y), " + Files.size(out) + " bytes");
    try (NpyArray x = NpyArray.openNpz(out, "x");
        NpyArray y = NpyArray.openNpz(out, "y")) {
      assertThat(x.shape()).containsExactly(10, 3);
      assertThat(x.getDouble(9, 2)).isEqualTo(29 / 4.0);
      assertThat(y.getDouble(4)).isEqualTo(7);
    }
    // each array's data starts on a 64-byte boundary of the file: the header of x.npy is 128
    // bytes, and the float64 value of x[0, 1] (0.25) is at the aligned data start + 8
    long xData = find(out, 0.25) - 8;
    assertThat(xData % 64).isZero();
    assertThat(numpy(out, "d = np.load(f); print(d['x'].sum(), d['y'].sum())"))
        .isEqualTo("108.75 80.0");
  }

  @Test
  void convertNpzRefusesADamagedArchiveAndLeavesOutAsItWas() throws IOException {
    byte[] bytes = Files.readAllBytes(fixture("data.npz"));
    bytes[200] ^= 1; // a data byte of x: the CRC no longer matches
    Path in = dir.resolve("damaged.npz");
    Files.write(in, bytes);
    Path out = dir.resolve("out.npz");
    Files.writeString(out, "previous");
    Run r = InspectCommandTest.run("convert", "npz", in.toString(), out.toString());
    assertThat(r.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err().strip())
        .startsWith("memflux convert npz: " + in + ": member 'x.npy' does not match its CRC")
        .endsWith("; " + out + " left as it was");
    assertThat(Files.readString(out)).isEqualTo("previous");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.toList()).containsExactlyInAnyOrder(in, out);
    }
  }

  @Test
  void convertNpzRefusesAFileThatIsNoZip() throws IOException {
    Path npy = fixture("features.npy");
    Path out = dir.resolve("out.npz");
    Run r = InspectCommandTest.run("convert", "npz", npy.toString(), out.toString());
    assertThat(r.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err().strip())
        .startsWith("memflux convert npz: " + npy + ": not a readable zip archive (.npz): ")
        .endsWith("; nothing written to " + out);
    assertThat(out).doesNotExist();
  }

  private static long compressedSize(Path npz, int member) {
    try {
      return NpyArray.npzMembers(npz).get(member).compressedSize();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The file offset of the first little-endian float64 {@code value} in {@code file}. */
  private static long find(Path file, double value) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i + 8 <= b.capacity(); i++) {
      if (b.getDouble(i) == value) {
        return i;
      }
    }
    throw new AssertionError(value + " not in " + file);
  }

  /** What {@code python3} prints running {@code code} with numpy and {@code f} set to the file. */
  static String numpy(Path file, String code) throws Exception {
    Path output = Files.createTempFile("memflux-numpy", ".txt");
    try {
      Process p;
      try {
        p =
            new ProcessBuilder(
                    "python3",
                    "-c",
                    "import sys, numpy as np; f = sys.argv[1]; " + code,
                    file.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
      } catch (IOException e) {
        assumeThat(false).as("python3 is not available: " + e.getMessage()).isTrue();
        return null;
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python3 finished").isTrue();
      String text = Files.readString(output).strip();
      assumeThat(text).as("numpy is not installed for python3").doesNotContain("No module named");
      assertThat(p.exitValue()).as(text).isZero();
      return text;
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
