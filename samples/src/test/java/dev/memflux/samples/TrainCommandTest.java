package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.memflux.core.testing.Fifo;
import dev.memflux.samples.data.SyntheticImages;
import dev.memflux.samples.data.Unwritable;
import dev.memflux.train.Checkpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code memflux train} end to end, in-process, on a few hundred synthetic images. */
class TrainCommandTest {

  private static final int TRAIN_IMAGES = 300;
  private static final int TEST_IMAGES = 100;
  private static final List<String> JSON_KEYS =
      List.of(
          "dataset",
          "model",
          "epochs",
          "test_loss",
          "test_accuracy",
          "samples_per_sec",
          "data_wait_pct",
          "first_batch_s",
          "seconds");

  @TempDir static Path data;
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void writeData() throws IOException {
    new SyntheticImages(1)
        .writeNpy(TRAIN_IMAGES, data.resolve("train_x.npy"), data.resolve("train_y.npy"));
    new SyntheticImages(2)
        .writeNpy(TEST_IMAGES, data.resolve("test_x.npy"), data.resolve("test_y.npy"));
  }

  /** Runs {@code memflux train} on the synthetic data in batches of 50 (6 per epoch). */
  private int train(String... args) {
    List<String> all =
        new ArrayList<>(List.of("--data", data.toString(), "--batch-size", "50", "--workers", "1"));
    all.addAll(Arrays.asList(args));
    return run(all);
  }

  /** Runs {@code memflux train ARGS} with Main's error handling, as the jar does. */
  private int run(List<String> args) {
    List<String> command = new ArrayList<>(List.of("train"));
    command.addAll(args);
    return Main.commandLine()
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(command.toArray(String[]::new));
  }

  private List<String> outLines() {
    return out.toString().lines().toList();
  }

  private List<String> errLines() {
    return err.toString().lines().toList();
  }

  private String lastLine() {
    List<String> lines = outLines();
    return lines.get(lines.size() - 1);
  }

  private static String jsonValue(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\":(\"[^\"]*\"|[^,}]+)").matcher(json);
    assertThat(m.find()).as("key %s in %s", key, json).isTrue();
    return m.group(1);
  }

  /** Issue 18: with --json, stdout is the JSON line alone, so that it can be piped. */
  @Test
  void jsonIsTheOnlyLineOnStdoutAndEverythingElseGoesToStderr() {
    int status = train("--epochs", "2", "--json");

    assertThat(status).as(err.toString()).isZero();
    assertThat(outLines()).hasSize(1);
    String json = lastLine();
    assertThat(json).startsWith("{").endsWith("}");
    for (String key : JSON_KEYS) {
      jsonValue(json, key);
    }
    assertThat(jsonValue(json, "model")).isEqualTo("\"mlp\"");
    assertThat(jsonValue(json, "epochs")).isEqualTo("2");
    assertThat(Double.parseDouble(jsonValue(json, "test_accuracy"))).isBetween(0.0, 1.0);
    assertThat(Double.parseDouble(jsonValue(json, "samples_per_sec"))).isPositive();
    assertThat(Double.parseDouble(jsonValue(json, "data_wait_pct"))).isBetween(0.0, 100.0);
    assertThat(Double.parseDouble(jsonValue(json, "first_batch_s"))).isPositive();
    assertThat(Double.parseDouble(jsonValue(json, "seconds"))).isPositive();
    assertThat(errLines().get(0)).isEqualTo("dataset: " + data + " (300 train, 100 test images)");
    assertThat(errLines().get(1))
        .startsWith("loader: ")
        .contains("fits in memory")
        .contains("mapped for");
    assertThat(errLines())
        .anyMatch(l -> l.startsWith("epoch 1/2: loss "))
        .anyMatch(
            l ->
                l.startsWith("epoch 2/2: loss ")
                    && l.contains(", test loss ")
                    && l.contains("test acc"))
        .anyMatch(
            l ->
                l.matches(
                        "done: test loss \\d\\.\\d{4}, test accuracy \\d\\.\\d{4} after epoch 2, .*")
                    && l.contains("(first batch after "))
        .anyMatch(l -> l.matches("(compute|input)-bound: .*"))
        .anyMatch(l -> l.startsWith("tuning: ") && l.contains(" MiB"))
        .contains("  gather gatherThreads 1 (set): set by you")
        .anyMatch(l -> l.startsWith("  gather prefetch ") && l.contains("(tuned): in 1..32"))
        .anyMatch(l -> l.startsWith("  train batchesAhead ") && l.contains("(tuned): in 1..32"));
    // the command ran in this JVM, whose DJL may never go online
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
  }

  @Test
  void plainProgressLinesWhenNotOnATerminal() {
    assertThat(train("--epochs", "1")).as(err.toString()).isZero();

    // 6 batches: quarter marks at 25%, 50% and 75%, then the epoch line; no carriage returns
    assertThat(outLines()).filteredOn(l -> l.matches("epoch 1/1: +\\d+% .*")).hasSize(3);
    assertThat(out.toString()).doesNotContain("\r");
    assertThat(outLines()).anyMatch(l -> l.matches("(compute|input)-bound: .*"));
  }

  @Test
  void cnnWithAugmentationTrains() {
    assertThat(train("--model", "cnn", "--augment", "--epochs", "1", "--json"))
        .as(err.toString())
        .isZero();

    assertThat(jsonValue(lastLine(), "model")).isEqualTo("\"cnn\"");
  }

  @Test
  void reportWritesChartsMarkdownAndJson() throws IOException {
    Path report = dir.resolve("report");

    assertThat(train("--epochs", "2", "--report", report.toString())).as(err.toString()).isZero();

    for (String png : List.of("loss.png", "accuracy.png", "pipeline.png", "data-wait.png")) {
      byte[] bytes = Files.readAllBytes(report.resolve(png));
      assertThat(Arrays.copyOf(bytes, 4)).as(png).containsExactly(0x89, 'P', 'N', 'G');
    }
    String md = Files.readString(report.resolve("report.md"));
    assertThat(md)
        .contains("](loss.png)", "](accuracy.png)", "](pipeline.png)", "](data-wait.png)")
        .containsPattern("\\*\\*Bottleneck:\\*\\* (compute|input)-bound: ")
        .contains("| model | mlp |", "| 2 | ");
    String json = Files.readString(report.resolve("report.json")).strip();
    assertThat(json).startsWith("{\"summary\":{").endsWith("}");
    assertThat(json).contains("\"epochs\":[{\"epoch\":0,", "{\"epoch\":1,", "\"bottleneck\":");
    JsonObject parsed = JsonParser.parseString(json).getAsJsonObject();
    JsonObject io = parsed.getAsJsonObject("io");
    assertThat(io.getAsJsonArray("modes").toString()).isEqualTo("[\"mapped\",\"mapped\"]");
    assertThat(io.get("reason").getAsString()).contains("fits in memory");
    assertThat(parsed.getAsJsonObject("summary").get("first_batch_s").getAsDouble()).isPositive();
    JsonObject tuning = parsed.getAsJsonObject("tuning");
    assertThat(tuning.get("memory_bytes").getAsLong())
        .isBetween(1L, tuning.get("memory_budget_bytes").getAsLong());
    List<String> knobs = new ArrayList<>();
    for (JsonElement e : tuning.getAsJsonArray("knobs")) {
      JsonObject k = e.getAsJsonObject();
      knobs.add(
          k.get("stage").getAsString() + " " + k.get("knob").getAsString() + " " + k.get("tuned"));
      // a set size says so; a tuned one gives its range and what decided it
      String why = k.get("why").getAsString();
      if (k.get("tuned").getAsBoolean()) {
        assertThat(why).as(k.toString()).matches("in \\d+\\.\\.\\d+.+");
      } else {
        assertThat(why).as(k.toString()).isEqualTo("set by you");
      }
    }
    // --workers 1 sets the threads; prefetch and batches ahead are left to the tuner
    assertThat(knobs)
        .containsExactly(
            "gather gatherThreads false",
            "gather prefetch true",
            "augment parallelism false",
            "train batchesAhead true");
    assertThat(md).contains("| workers | 1 |", "| prefetch | tuned |");
    assertTimelineRedrawsThePipelineChart(parsed);
  }

  /** The series of the pipeline chart: equal lengths, every stage, both epochs marked. */
  private static void assertTimelineRedrawsThePipelineChart(JsonObject report) {
    JsonObject timeline = report.getAsJsonObject("timeline");
    assertThat(timeline.get("rate_window_seconds").getAsDouble()).isEqualTo(1.0);
    List<String> stages = new ArrayList<>();
    for (JsonElement e : timeline.getAsJsonArray("rates")) {
      JsonObject rate = e.getAsJsonObject();
      stages.add(rate.get("stage").getAsString());
      int n = rate.getAsJsonArray("seconds").size();
      assertThat(n).as("points of %s", rate.get("stage")).isPositive();
      assertThat(rate.getAsJsonArray("batches_per_sec")).hasSize(n);
    }
    assertThat(stages).containsExactly("gather", "augment", "train");
    List<String> gaps = new ArrayList<>();
    for (JsonElement e : timeline.getAsJsonArray("in_flight")) {
      JsonObject gap = e.getAsJsonObject();
      gaps.add(gap.get("from").getAsString() + ">" + gap.get("to").getAsString());
      assertThat(gap.getAsJsonArray("batches")).hasSameSizeAs(gap.getAsJsonArray("seconds"));
    }
    assertThat(gaps).containsExactly("gather>augment", "augment>convert", "convert>train");
    JsonArray epochs = timeline.getAsJsonArray("epochs");
    assertThat(epochs).hasSize(2);
    double previousEnd = 0;
    for (int i = 0; i < 2; i++) {
      JsonObject epoch = epochs.get(i).getAsJsonObject();
      assertThat(epoch.get("epoch").getAsLong()).isEqualTo(i);
      double validation = epoch.get("validation_start_seconds").getAsDouble();
      double end = epoch.get("end_seconds").getAsDouble();
      assertThat(validation).isGreaterThan(previousEnd).isLessThan(end);
      previousEnd = end;
    }
  }

  @Test
  void resumeTrainsOnlyTheEpochsTheCheckpointLacks() {
    Path checkpoint = dir.resolve("ckpt");
    assertThat(train("--epochs", "1", "--checkpoint", checkpoint.toString()))
        .as(err.toString())
        .isZero();
    assertThat(checkpoint.resolve("mlp.checkpoint")).isRegularFile();
    out.getBuffer().setLength(0);

    int status = train("--epochs", "3", "--resume", checkpoint.toString(), "--json");

    assertThat(status).as(err.toString()).isZero();
    assertThat(errLines()).noneMatch(l -> l.startsWith("epoch 1/3"));
    assertThat(errLines())
        .anyMatch(l -> l.startsWith("epoch 2/3: loss "))
        .anyMatch(l -> l.startsWith("epoch 3/3: loss "));
    assertThat(jsonValue(lastLine(), "epochs")).isEqualTo("2");
  }

  /** Flips a byte in the middle of {@code file}, as a bad disk or a partial copy would. */
  private static void damage(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);
  }

  /**
   * Issue 16.7: a corrupt params file on --resume was a bare EOFException. Now the previous
   * checkpoint is loaded, with a warning naming the damaged file.
   */
  @Test
  void aDamagedLatestCheckpointIsSkippedWithAWarningAndThePreviousOneResumed() throws IOException {
    Path checkpoint = dir.resolve("ckpt");
    assertThat(train("--epochs", "2", "--checkpoint", checkpoint.toString()))
        .as(err.toString())
        .isZero();
    Checkpoint latest = Checkpoint.read(checkpoint, "mlp");
    damage(latest.params());
    out.getBuffer().setLength(0);

    int status = train("--epochs", "3", "--resume", checkpoint.toString());

    assertThat(status).as(err.toString()).isZero();
    Checkpoint previous = Checkpoint.read(checkpoint, "mlp");
    assertThat(previous.params()).isNotEqualTo(latest.params());
    assertThat(errLines())
        .singleElement()
        .asString()
        .startsWith(
            "memflux train: warning: skipped a damaged checkpoint: "
                + latest.params()
                + ": damaged")
        .endsWith("; resuming from " + previous.params());
    // the previous checkpoint ended epoch 1: epochs 2 and 3 are trained
    assertThat(outLines())
        .noneMatch(l -> l.startsWith("epoch 1/3"))
        .anyMatch(l -> l.startsWith("epoch 2/3: loss "))
        .anyMatch(l -> l.startsWith("epoch 3/3: loss "));
  }

  @Test
  void noIntactCheckpointIsOneLineNamingTheFiles() throws IOException {
    Path checkpoint = dir.resolve("ckpt");
    assertThat(train("--epochs", "1", "--checkpoint", checkpoint.toString()))
        .as(err.toString())
        .isZero();
    Path params = Checkpoint.read(checkpoint, "mlp").params();
    damage(params);

    assertThat(train("--epochs", "2", "--resume", checkpoint.toString())).isEqualTo(Main.BAD_INPUT);

    assertThat(errLines())
        .singleElement()
        .asString()
        .startsWith(
            "memflux train: "
                + checkpoint.resolve("mlp.checkpoint")
                + ": no intact checkpoint to load: "
                + params
                + ": damaged")
        .doesNotContain("Exception");
  }

  /** Issue 16.6: every input of every command, the checkpoint to resume included. */
  @Test
  void aCheckpointManifestThatIsAFifoIsRefused() throws Exception {
    Path checkpoint = Files.createDirectories(dir.resolve("ckpt"));
    Path fifo = Fifo.make(checkpoint.resolve("mlp.checkpoint"));

    int status = Fifo.within("train --resume", () -> train("--resume", checkpoint.toString()));

    assertThat(status).isEqualTo(Main.BAD_INPUT);
    assertThat(errLines()).containsExactly("memflux train: " + fifo + ": not a regular file");
  }

  @Test
  void resumingAFinishedRunIsBadInput() {
    Path checkpoint = dir.resolve("ckpt");
    assertThat(train("--epochs", "1", "--checkpoint", checkpoint.toString())).isZero();

    assertThat(train("--epochs", "1", "--resume", checkpoint.toString())).isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString().lines()).singleElement().asString().contains("already trained 1");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--epochs 0       | --epochs must be >= 1, was 0 (see --help)",
        "--batch-size -1  | --batch-size must be >= 1, was -1 (see --help)",
        "--lr abc         | Invalid value for option '--lr': 'abc' is not a float (see --help)",
        "--lr 0           | --lr must be a positive number, was 0.0 (see --help)",
        "--lr -1          | --lr must be a positive number, was -1.0 (see --help)",
        "--model rnn      | --model must be mlp or cnn, was rnn (see --help)",
        "--workers 0      | --workers must be >= 1, was 0 (see --help)",
        "--prefetch 0     | --prefetch must be >= 1, was 0 (see --help)",
        "--data /no/such  | --data /no/such: not 'auto' and not a directory",
        "--resume /no/such| --resume /no/such: not a directory",
        "--bogus          | Unknown option: '--bogus' (see --help)"
      })
  void badInputPrintsOneLineNamingOptionAndValueAndExitsTwo(String args, String message) {
    int status = run(Arrays.asList(args.split(" ")));

    assertThat(status).isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString().lines()).containsExactly("memflux train: " + message);
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void outputPlacesThatCannotTakeTheFilesAreRefusedBeforeTraining() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.txt"), "not a directory");
    String[][] cases = {
      {"--report", file.toString()},
      {"--checkpoint", file.toString()},
      {"--checkpoint", file.resolve("ckpt").toString()},
    };
    String[] messages = {
      "--report " + file + ": exists and is not a directory",
      "--checkpoint " + file + ": exists and is not a directory",
      "--checkpoint " + file.resolve("ckpt") + ": " + file + " is not a directory",
    };
    for (int i = 0; i < cases.length; i++) {
      err.getBuffer().setLength(0);

      assertThat(train(cases[i])).isEqualTo(Main.BAD_INPUT);
      assertThat(err.toString().lines()).containsExactly("memflux train: " + messages[i]);
    }
    // nothing was loaded or trained: not even the dataset line
    assertThat(out.toString()).isEmpty();
    assertThat(Files.readString(file)).isEqualTo("not a directory");
  }

  @Test
  void anUnwritableReportPlaceIsRefusedBeforeTraining() throws IOException {
    Path place = Unwritable.directory(dir).resolve("report");

    assertThat(train("--report", place.toString())).isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString().lines())
        .singleElement()
        .asString()
        .startsWith("memflux train: --report " + place + ": cannot create files in ");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void helpListsTheOptions() {
    assertThat(train("--help")).isZero();

    assertThat(out.toString())
        .contains(
            "--data",
            "--model",
            "--epochs",
            "--batch-size",
            "--lr",
            "--augment",
            "--workers",
            "--prefetch",
            "--seed",
            "--checkpoint",
            "--resume",
            "--report",
            "--json");
  }
}
