package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.Fifo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InspectCommandTest {

  @TempDir Path dir;

  /** Exit status, stdout and stderr of one in-process run. */
  record Run(int status, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int status = cli.execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  static String fixture(String name) {
    try {
      return Path.of(InspectCommandTest.class.getResource("/npy/" + name).toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void printsExactJsonForANumpyBigEndianFile() {
    Run r = run("inspect", fixture("c_be_f4.npy"), "--json");
    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out().strip())
        .isEqualTo(
            "{\"shape\":[3,4,5],\"descr\":\">f4\",\"fortran_order\":false,\"version\":\"1.0\","
                + "\"count\":60,\"sum\":-3.75,\"first\":-11.125,\"last\":11.0}");
  }

  @Test
  void printsIntegersForIntegerTypesAndFollowsFortranIndices() {
    Run r = run("inspect", "--json", fixture("f_le_i2.npy"));
    assertThat(r.out().strip())
        .isEqualTo(
            "{\"shape\":[3,4,5],\"descr\":\"<i2\",\"fortran_order\":true,\"version\":\"1.0\","
                + "\"count\":60,\"sum\":-30000.0,\"first\":-30000,\"last\":29000}");
  }

  @Test
  void zeroDimensionalArraysHaveTheirValueFirstAndLast() {
    Run r = run("inspect", "--json", fixture("zero_d_f8.npy"));
    assertThat(r.out().strip())
        .isEqualTo(
            "{\"shape\":[],\"descr\":\"<f8\",\"fortran_order\":false,\"version\":\"1.0\","
                + "\"count\":1,\"sum\":3.5,\"first\":3.5,\"last\":3.5}");
  }

  @Test
  void emptyArraysHaveNullFirstAndLast() {
    Run r = run("inspect", "--json", fixture("empty_f4.npy"));
    assertThat(r.out().strip())
        .isEqualTo(
            "{\"shape\":[0],\"descr\":\"<f4\",\"fortran_order\":false,\"version\":\"1.0\","
                + "\"count\":0,\"sum\":0.0,\"first\":null,\"last\":null}");
  }

  @Test
  void nonFiniteValuesBecomeJsonStrings() {
    Run r = run("inspect", "--json", fixture("x_le_f4.npy"));
    assertThat(r.out()).contains("\"sum\":\"NaN\"").contains("\"first\":-3.4028235E38");
    assertThat(r.out()).contains("\"last\":0.33333334");
  }

  @Test
  void readsHeaderlessFilesWithRawOptions() {
    Run r =
        run(
            "inspect",
            fixture("raw_be_f4.bin"),
            "--raw",
            "--dtype",
            ">f4",
            "--shape",
            "4,6",
            "--offset",
            "16",
            "--json");
    assertThat(r.err()).isEmpty();
    assertThat(r.out().strip())
        .isEqualTo(
            "{\"shape\":[4,6],\"descr\":\">f4\",\"fortran_order\":false,\"version\":\"raw\","
                + "\"count\":24,\"sum\":174.0,\"first\":-10.0,\"last\":24.5}");
  }

  @Test
  void printsReadableTextByDefault() {
    Run r = run("inspect", fixture("f_le_i2.npy"));
    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("shape:   (3, 4, 5)")
        .contains("dtype:   <i2")
        .contains("order:   Fortran")
        .contains("version: 1.0")
        .contains("count:   60")
        .contains("sum:     -30000.0")
        .contains("first:   -30000")
        .contains("last:    29000");
  }

  @Test
  void badInputPrintsOneLineAndExitsWithTwo() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.npy"), "hello");
    String[][] cases = {
      {"inspect", dir.resolve("missing.npy").toString()},
      {"inspect", text.toString()},
      {"inspect", fixture("c_be_f4.npy"), "--bogus"},
      {"inspect"},
      {"inspect", fixture("c_be_f4.npy"), "--dtype", "<f4"},
      {"inspect", fixture("raw_be_f4.bin"), "--raw", "--shape", "4,6"},
      {"inspect", fixture("raw_be_f4.bin"), "--raw", "--dtype", "<U4", "--shape", "4,6"},
      {"inspect", fixture("raw_be_f4.bin"), "--raw", "--dtype", "<f4", "--shape", "4,x"},
      {"inspect", fixture("raw_be_f4.bin"), "--raw", "--dtype", "<f4", "--shape", "400,6"},
      {
        "inspect",
        fixture("raw_be_f4.bin"),
        "--raw",
        "--dtype",
        "<f4",
        "--shape",
        "4",
        "--offset",
        "-1"
      },
      {"inspect"},
      {"frobnicate"},
    };
    for (String[] args : cases) {
      Run r = run(args);
      assertThat(r.status()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
      assertThat(r.err().lines()).as(String.join(" ", args) + ": " + r.err()).hasSize(1);
      assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(run(cases[0]).err()).contains("no such file").contains("missing.npy");
    assertThat(run(cases[1]).err()).contains("notes.npy").contains("at byte 0");
    assertThat(run(cases[8]).err()).contains("needs 9600 bytes");
  }

  /** Issue 16.6: inspect on a FIFO waited forever for a writer. */
  @Test
  void aFifoIsRefusedBeforeItIsOpened() throws Exception {
    Path fifo = Fifo.make(dir.resolve("x.npy"));
    String[][] cases = {
      {"inspect", fifo.toString()},
      {"inspect", fifo.toString(), "--raw", "--dtype", "<f4", "--shape", "4"},
    };
    for (String[] args : cases) {
      Run r = Fifo.within(String.join(" ", args), () -> run(args));

      assertThat(r.status()).isEqualTo(2);
      assertThat(r.err().lines())
          .containsExactly("memflux inspect: " + fifo + ": not a regular file");
    }
  }

  @Test
  void helpIsPrintedWithStatusZero() {
    Run r = run("inspect", "--help");
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("Usage: memflux inspect").contains("--raw");
    assertThat(run("--help").out()).contains("inspect");
  }
}
