package dev.memflux.samples.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.IoChoice;
import dev.memflux.core.IoMode;
import dev.memflux.core.testing.SmallDisk;
import dev.memflux.samples.job.ChannelStats;
import dev.memflux.samples.job.TrainSettings;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report files appear whole or not at all. */
class ReportWriterTest {

  private static final List<String> FILES =
      List.of(
          "accuracy.png", "data-wait.png", "loss.png", "pipeline.png", "report.json", "report.md");

  @TempDir Path dir;

  static TrainOutcome outcome(String model) {
    TrainSettings settings = new TrainSettings(model, 6, 50, 0.001f, false, 1, 4, 42, null, null);
    ChannelStats stats = new ChannelStats(new float[] {0.3f}, new float[] {0.25f});
    return new TrainOutcome(
        "dataset: test",
        settings,
        stats,
        4,
        new IoChoice(List.of(IoMode.MAPPED, IoMode.MAPPED), "in memory: all mapped"),
        PipelineSeriesTest.report(),
        PipelineSeriesTest.timeline());
  }

  @Test
  void writesTheMarkdownTheJsonAndFourChartsAndNothingElse() throws IOException {
    Path report = dir.resolve("report");

    Path markdown = ReportWriter.write(report, outcome("mlp"));

    assertThat(markdown).isEqualTo(report.resolve("report.md"));
    assertThat(names(report)).containsExactlyElementsOf(FILES);
    assertThat(Files.readString(markdown)).startsWith("# memflux train: mlp\n");
  }

  /**
   * Every file the command line writes appears whole or not at all: a report that runs out of space
   * leaves the previous one as it was, and no temporary file.
   */
  @Test
  void aFullDiskLeavesThePreviousReportAsItWas() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(dir, "1m")) {
      ReportWriter.write(dir, outcome("mlp"));
      Map<String, byte[]> before = contents(dir);
      FileStore store = Files.getFileStore(dir);
      Files.write(dir.resolve("filler"), new byte[(int) store.getUsableSpace() - 4096]);

      assertThatThrownBy(() -> ReportWriter.write(dir, outcome("cnn")))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(dir.resolve("loss.png") + ": ")
          .hasMessageEndingWith("No space left on device");

      Files.delete(dir.resolve("filler"));
      Map<String, byte[]> after = contents(dir);
      assertThat(after).containsOnlyKeys(before.keySet());
      before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> contents = new HashMap<>();
    for (String name : names(dir)) {
      contents.put(name, Files.readAllBytes(dir.resolve(name)));
    }
    return contents;
  }
}
