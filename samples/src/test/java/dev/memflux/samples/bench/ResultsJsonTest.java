package dev.memflux.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsJsonTest {

  @TempDir Path dir;

  @Test
  void rowsRoundTripWithNonFiniteFiguresAndAnyText() throws IOException {
    List<Result> rows =
        List.of(
            new Result(
                "limit",
                "memcpy",
                "direct-to-direct",
                null,
                false,
                2,
                Double.NaN,
                12.5,
                Double.NaN,
                0.031,
                7,
                0,
                ""),
            new Result(
                "train",
                "memflux",
                "quote \" back \\ nl \n tab \t bell \u0007 <f4 é \u2192",
                "fmnist-u8",
                true,
                1,
                139000,
                0.109,
                0.8,
                Double.NaN,
                3,
                256,
                "augment"),
            djl(1234567, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
    Path file = dir.resolve("sub/bench.json");

    ResultsJson.write(file, rows);
    List<Result> read = ResultsJson.read(file);

    assertThat(read.subList(0, 2)).isEqualTo(rows.subList(0, 2));
    // six significant digits; JSON has no infinities, so they are written as unknown (null)
    assertThat(read.get(2)).isEqualTo(djl(1234570, Double.NaN, Double.NaN));
    String text = Files.readString(file);
    assertThat(text)
        .contains(
            "\"samples_per_sec\": 1234570,", "\"dataset\": null", "\"pipeline\": \"augment\"");
    assertThat(text).doesNotContain("\\u003c", "Infinity", "NaN");
  }

  private static Result djl(double samplesPerSec, double dataWaitPct, double spread) {
    return new Result(
        "train",
        "djl",
        "",
        "images-f32",
        true,
        1,
        samplesPerSec,
        1e-9,
        dataWaitPct,
        spread,
        0,
        256,
        "plain");
  }

  @Test
  void readsNonFiniteFiguresAsPythonWritesThem() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("peer.json"),
            "{\"results\": [{\"stage\": \"loader\", \"impl\": \"peer-batched\","
                + " \"dataset\": \"images-f32\", \"shuffle\": true, \"threads\": 2,"
                + " \"samples_per_sec\": NaN, \"gb_per_sec\": Infinity,"
                + " \"data_wait_pct\": -Infinity}]}");

    Result r = ResultsJson.read(file).get(0);

    assertThat(r.samplesPerSec()).isNaN();
    assertThat(r.gbPerSec()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(r.dataWaitPct()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(r.variant()).isEmpty();
    assertThat(r.spread()).isNaN();
    assertThat(r.reps()).isZero();
  }

  @Test
  void aBadEscapeIsAnIoErrorNamingTheFileOnOneLine() throws IOException {
    Path file =
        Files.writeString(dir.resolve("bad.json"), "{\"results\": [{\"stage\": \"\\u12G4\"}]}");

    assertThatThrownBy(() -> ResultsJson.read(file))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(file + ": not valid JSON: Malformed Unicode escape \\u12G4")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aFileOfAnotherShapeOrTypeIsNamed() throws IOException {
    Path other = Files.writeString(dir.resolve("other.json"), "[1, 2]");
    Path typo =
        Files.writeString(dir.resolve("typo.json"), "{\"results\": [{\"threads\": \"two\"}]}");

    assertThatThrownBy(() -> ResultsJson.read(other))
        .isInstanceOf(IOException.class)
        .hasMessage(other + ": expected {\"results\": [...]}");
    assertThatThrownBy(() -> ResultsJson.read(typo))
        .isInstanceOf(IOException.class)
        .hasMessage(typo + ": expected a number for \"threads\", found \"two\"");
  }
}
