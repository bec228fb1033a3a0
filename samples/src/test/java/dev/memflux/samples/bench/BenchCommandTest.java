package dev.memflux.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {

  @TempDir Path dir;

  @Test
  void quickRunWritesEveryMeasurementAsJsonWithTheSharedKeys() throws Exception {
    Path json = dir.resolve("bench.json");
    int status =
        new CommandLine(new BenchCommand())
            .execute(
                "--quick",
                "--scale",
                "0.005",
                "--data",
                dir.resolve("data").toString(),
                "--json",
                json.toString());

    assertThat(status).isZero();
    String text = Files.readString(json);
    assertThat(text).startsWith("{\"results\": [").endsWith("]}\n");
    for (String stage : new String[] {"limit", "loader", "augment", "train"}) {
      assertThat(text).contains("\"stage\": \"" + stage + "\"");
    }
    for (String impl : new String[] {"memcpy", "seqread", "memflux", "djl", "preloaded"}) {
      assertThat(text).contains("\"impl\": \"" + impl + "\"");
    }
    assertThat(text).contains("\"dataset\": \"fmnist-u8\"", "\"dataset\": \"images-f32\"");
    String[] rows = text.split("\n  \\{");
    // Limits 6; loader 2 orders x 2 thread counts x 2 data sets; augment 2 interpolations x 2
    // parallelisms x 2 data sets; train 3 feeds x 2 models.
    assertThat(rows).hasSize(1 + 6 + 8 + 8 + 6);
    assertThat(text)
        .contains("\"variant\": \"flip+rot15-nearest\"", "\"variant\": \"flip+rot15-bilinear\"");
    for (int i = 1; i < rows.length; i++) {
      assertThat(rows[i])
          .contains("\"shuffle\": ", "\"threads\": ", "\"samples_per_sec\": ", "\"gb_per_sec\": ");
      if (rows[i].contains("\"stage\": \"train\"")) {
        assertThat(rows[i]).containsPattern("\"data_wait_pct\": [0-9.e+-]+");
      }
    }
  }
}
