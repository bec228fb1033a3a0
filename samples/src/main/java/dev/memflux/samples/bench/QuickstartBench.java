package dev.memflux.samples.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.memflux.samples.Quickstart;
import dev.memflux.samples.data.DataSource;
import dev.memflux.samples.job.TrainSettings;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The README's quickstart against the command line, like for like: {@link Quickstart} (the
 * quickstart verbatim, in a JVM started as a user's program is, {@code java -cp ... Quickstart}, no
 * flags) and {@code memflux train --model mlp --augment} with the quickstart's batch size, epochs,
 * workers and prefetch, which trains the same network on the same augmentation (plus
 * standardisation), both on {@code --data auto} (Fashion-MNIST when installed). Each runs {@link
 * BenchSettings#reps()} times, the two alternated so that the machine's drift touches both alike; a
 * row's figure is the median run, a run's rate its training samples over its training time, all
 * epochs.
 */
final class QuickstartBench {

  /** An epoch line of {@code TrainingReport.summary()}. */
  private static final Pattern EPOCH =
      Pattern.compile(
          "^epoch \\d+: .* ([0-9.]+) samples/s, ([0-9.]+) s, data wait ([0-9.]+) s .*$");

  private static final long TIMEOUT_SECONDS = 900;
  private static final int ROW_BYTES = 28 * 28;

  private final BenchSettings settings;
  private final PrintStream log;

  QuickstartBench(BenchSettings settings, PrintStream log) {
    this.settings = settings;
    this.log = log;
  }

  /** The two rows: {@code quickstart} and {@code memflux-cli}. */
  List<Result> run() throws IOException, InterruptedException {
    DataSource.Dataset data = DataSource.defaults().resolve("auto");
    Path dir = Objects.requireNonNull(data.trainX().toAbsolutePath().getParent(), "a directory");
    String dataset = data.description().contains("Fashion-MNIST") ? "fmnist-u8" : "synthetic-u8";
    List<Timing.Rep> user = new ArrayList<>();
    List<Timing.Rep> cli = new ArrayList<>();
    for (int i = 0; i < settings.reps(); i++) {
      // Alternated, and each first every other time: neither always runs on a cooler machine.
      if (i % 2 == 0) {
        user.add(quickstart(dir, i));
        cli.add(commandLine(dir, i));
      } else {
        cli.add(commandLine(dir, i));
        user.add(quickstart(dir, i));
      }
    }
    Timing.Summary u = Timing.summarize(user);
    Timing.Summary c = Timing.summarize(cli);
    log.printf(
        Locale.ROOT,
        "bench: quickstart / memflux train: %.2fx samples/s (medians of %d alternated runs)%n",
        u.samplesPerSec() / c.samplesPerSec(),
        settings.reps());
    return List.of(row("quickstart", dataset, u), row("memflux-cli", dataset, c));
  }

  private static Result row(String impl, String dataset, Timing.Summary s) {
    return Result.measured(
        "train", impl, "mlp", dataset, true, 2, s, TrainSettings.DEFAULT_BATCH_SIZE, "augment");
  }

  /** One run of the quickstart as a user's program in {@code dir}. */
  private Timing.Rep quickstart(Path dir, int run) throws IOException, InterruptedException {
    List<String> lines =
        child(
            dir,
            List.of(Quickstart.class.getName()),
            // DJL must not reach the network: what a user sets for that, in the environment.
            true);
    double samples = 0;
    double seconds = 0;
    double wait = 0;
    for (String line : lines) {
      Matcher m = EPOCH.matcher(line);
      if (m.matches()) {
        double s = Double.parseDouble(m.group(2));
        samples += Double.parseDouble(m.group(1)) * s;
        seconds += s;
        wait += Double.parseDouble(m.group(3));
      }
    }
    if (seconds == 0) {
      throw new IOException("the quickstart printed no epoch line:\n" + String.join("\n", lines));
    }
    return rep("quickstart", run, samples / seconds, wait / seconds);
  }

  /** One run of {@code memflux train} with the quickstart's settings on {@code dir}. */
  private Timing.Rep commandLine(Path dir, int run) throws IOException, InterruptedException {
    List<String> lines =
        child(
            dir,
            List.of(
                "dev.memflux.samples.Main",
                "train",
                "--data",
                dir.toString(),
                "--model",
                "mlp",
                "--augment",
                "--epochs",
                "5",
                "--batch-size",
                "" + TrainSettings.DEFAULT_BATCH_SIZE,
                "--workers",
                "2",
                "--prefetch",
                "4",
                "--json"),
            false);
    JsonObject json = null;
    for (String line : lines) {
      if (line.startsWith("{")) {
        try {
          json = JsonParser.parseString(line).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
          throw new IOException("memflux train printed a line that is not JSON: " + line, e);
        }
      }
    }
    if (json == null) {
      throw new IOException("memflux train printed no JSON line:\n" + String.join("\n", lines));
    }
    return rep(
        "memflux train",
        run,
        json.get("samples_per_sec").getAsDouble(),
        json.get("data_wait_pct").getAsDouble() / 100);
  }

  /**
   * A run's rate and data wait share as a repetition of one nominal second: the command line's JSON
   * gives the two, not the samples and time they come from.
   */
  private Timing.Rep rep(String what, int run, double samplesPerSec, double waitShare) {
    log.printf(
        Locale.ROOT,
        "bench: quickstart run %d, %s: %.0f samples/s, data wait %.1f%%%n",
        run,
        what,
        samplesPerSec,
        100 * waitShare);
    long samples = Math.round(samplesPerSec);
    return new Timing.Rep(samples, samples * ROW_BYTES, 1, waitShare);
  }

  /**
   * Runs {@code main} with {@code args} of this class path in a JVM of its own in {@code dir} and
   * returns its output (stdout and stderr); fails after {@value #TIMEOUT_SECONDS} s or on a
   * non-zero status.
   */
  private static List<String> child(Path dir, List<String> mainAndArgs, boolean offlineEnv)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    // Absolute: the child runs in the data directory.
    command.add(
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(p -> Path.of(p).toAbsolutePath().toString())
            .collect(Collectors.joining(File.pathSeparator)));
    command.addAll(mainAndArgs);
    Path output = Files.createTempFile("memflux-quickstart-bench-", ".log");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      if (offlineEnv) {
        builder.environment().put("DJL_OFFLINE", "true");
        builder.environment().put("OPT_OUT_TRACKING", "true");
      }
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException(
            String.join(" ", mainAndArgs) + " did not end within " + TIMEOUT_SECONDS + " s");
      }
      List<String> lines = Files.readAllLines(output);
      if (process.exitValue() != 0) {
        throw new IOException(
            String.join(" ", mainAndArgs)
                + " failed with status "
                + process.exitValue()
                + ":\n"
                + String.join("\n", lines));
      }
      return lines;
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
