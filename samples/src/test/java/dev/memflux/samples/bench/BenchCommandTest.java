package dev.memflux.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {

  @TempDir Path dir;

  @Test
  void aJsonPlaceThatCannotTakeTheFileIsRefusedBeforeAnyMeasurement() {
    BenchCommand bench = new BenchCommand();
    new CommandLine(bench)
        .parseArgs(
            "--scale", "0.005", "--data", dir.resolve("data").toString(), "--json", dir.toString());

    assertThatThrownBy(bench::call)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--json " + dir + ": is a directory");
    assertThat(dir.resolve("data")).doesNotExist();
  }

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
    JsonArray results = JsonParser.parseString(text).getAsJsonObject().getAsJsonArray("results");
    List<JsonObject> rows = new ArrayList<>();
    results.forEach(r -> rows.add(r.getAsJsonObject()));
    // Limits 6; loader 2 orders x 2 thread counts x 2 data sets; layouts 3 x 2 data sets; augment
    // 2 interpolations x 2 parallelisms x 2 data sets; train 4 feeds (preloaded, plain, augment,
    // DJL) x 2 models.
    assertThat(rows).hasSize(6 + 8 + 6 + 8 + 8);
    assertThat(rows)
        .extracting(r -> r.get("stage").getAsString())
        .contains("limit", "loader", "layout", "augment", "train");
    assertThat(rows)
        .extracting(r -> r.get("impl").getAsString())
        .contains("memcpy", "seqread", "memflux", "djl", "preloaded");
    assertThat(rows)
        .extracting(r -> r.get("variant").getAsString())
        .contains("flip+rot15-nearest", "flip+rot15-bilinear", "plain", "shards", "windows");
    assertThat(rows)
        .extracting(r -> r.get("dataset"))
        .extracting(d -> d.isJsonNull() ? null : d.getAsString())
        .contains("fmnist-u8", "images-f32");
    for (JsonObject row : rows) {
      assertThat(row.keySet())
          .as("%s", row)
          .contains("shuffle", "threads", "samples_per_sec", "gb_per_sec", "spread", "reps");
      assertThat(row.get("gb_per_sec").getAsDouble()).as("%s", row).isPositive();
      if (row.get("stage").getAsString().equals("train")) {
        JsonElement wait = row.get("data_wait_pct");
        assertThat(wait.getAsDouble()).as("%s", row).isBetween(0.0, 100.0);
        assertThat(row.get("pipeline").getAsString()).as("%s", row).isIn("plain", "augment");
      } else {
        assertThat(row.keySet()).as("%s", row).doesNotContain("pipeline");
      }
    }
    // one row per line, as the table shows them
    assertThat(text.lines().filter(l -> l.startsWith("    {\"stage\": ")).count()).isEqualTo(36);
    // memflux trains as memflux train does, with and without --augment, for both of its models
    assertThat(rows)
        .filteredOn(r -> r.get("stage").getAsString().equals("train"))
        .filteredOn(r -> r.get("impl").getAsString().equals("memflux"))
        .extracting(r -> r.get("variant").getAsString() + " " + r.get("pipeline").getAsString())
        .containsExactly("mlp plain", "mlp augment", "cnn plain", "cnn augment");
  }
}
