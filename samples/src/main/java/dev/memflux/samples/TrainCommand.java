package dev.memflux.samples;

import dev.memflux.samples.data.DataSource;
import dev.memflux.samples.data.OutputPlaces;
import dev.memflux.samples.job.TrainSettings;
import dev.memflux.samples.job.TrainingJob;
import dev.memflux.samples.report.ReportWriter;
import dev.memflux.samples.report.TrainOutcome;
import dev.memflux.samples.report.TrainSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code memflux train}: trains an image classifier on memory-mapped .npy files, streaming the
 * batches through the loader and the augmentation stage into DJL, and shows what limited it.
 *
 * <pre>
 * memflux train                                   # MLP on Fashion-MNIST (or synthetic), 5 epochs
 * memflux train --model cnn --augment --epochs 10 --report out/
 * memflux train --data dir/ --checkpoint ckpt/ --json
 * memflux train --resume ckpt/ --epochs 10        # the epochs the checkpoint has not trained
 * </pre>
 *
 * <p>The first line names the dataset; then progress (a bar on a terminal, a line per quarter epoch
 * otherwise) and a line per epoch; then the verdict on the bottleneck. With {@code --json} all that
 * goes to stderr, and stdout holds one line: a JSON object ({@link TrainSummary}). Bad options or
 * input print one line on stderr and exit with status 2; warnings (a damaged checkpoint skipped on
 * {@code --resume}) are lines on stderr too.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Train an MLP or CNN on memory-mapped .npy images, validating on the test split each epoch.",
      "Without arguments: an MLP on Fashion-MNIST (synthetic shapes when it is not installed)."
    })
final class TrainCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "auto|DIR",
      defaultValue = "auto",
      description = {
        "'auto': Fashion-MNIST when installed, else synthetic shapes;",
        "or a directory with train_x.npy, train_y.npy, test_x.npy, test_y.npy",
        "(uint8 images (N, C, H, W), int64 labels). Default: ${DEFAULT-VALUE}"
      })
  private String data;

  @Option(
      names = "--model",
      paramLabel = "mlp|cnn",
      defaultValue = "mlp",
      description =
          "mlp: 256-128 hidden units; cnn: two conv layers with pooling. Default: ${DEFAULT-VALUE}")
  private String model;

  @Option(
      names = "--epochs",
      defaultValue = "" + TrainSettings.DEFAULT_EPOCHS,
      description = "Default: ${DEFAULT-VALUE}")
  private int epochs;

  @Option(
      names = "--batch-size",
      defaultValue = "" + TrainSettings.DEFAULT_BATCH_SIZE,
      description = "Default: ${DEFAULT-VALUE}")
  private int batchSize;

  @Option(
      names = "--lr",
      defaultValue = "" + TrainSettings.DEFAULT_LEARNING_RATE,
      description = {
        "Peak learning rate of Adam: the rate follows a cosine from it down to 1%% of it",
        "over the epochs trained. Default: ${DEFAULT-VALUE}"
      })
  private float learningRate;

  @Option(
      names = "--augment",
      description =
          "Random horizontal flip, rotation up to "
              + "3 degrees and 1-pixel shift (crop) of the training images")
  private boolean augment;

  @Option(
      names = "--workers",
      description =
          "Gather threads and augmentation threads. Default: chosen while training from what"
              + " each stage measures (see the tuning lines)")
  private Integer workers;

  @Option(
      names = "--prefetch",
      description =
          "Batches the loader gathers ahead of demand. Default: chosen while training, from "
              + TrainSettings.DEFAULT_PREFETCH)
  private Integer prefetch;

  @Option(
      names = "--seed",
      defaultValue = "" + TrainSettings.DEFAULT_SEED,
      description = "Seed of shuffle, augmentation and initialisation. Default: ${DEFAULT-VALUE}")
  private long seed;

  @Option(
      names = "--checkpoint",
      paramLabel = "DIR",
      description = "Save model parameters and loader position here at every epoch end")
  private Path checkpoint;

  @Option(
      names = "--resume",
      paramLabel = "DIR",
      description = "Continue from the checkpoint of the same --model in DIR, up to --epochs")
  private Path resume;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description = "Write report.md, report.json and PNG charts here")
  private Path report;

  @Option(
      names = "--json",
      description = "Print one line of JSON on stdout at the end; everything else goes to stderr")
  private boolean json;

  private final DataSource source;

  /** The command with the default data source (Fashion-MNIST from Debian's package). */
  TrainCommand() {
    this(DataSource.defaults());
  }

  /** The command resolving {@code --data} with {@code source}. */
  TrainCommand(DataSource source) {
    this.source = source;
  }

  /**
   * Trains and prints the results.
   *
   * @return 0
   * @throws IOException when the data, a checkpoint or the report cannot be read or written
   */
  @Override
  public Integer call() throws IOException {
    TrainSettings settings = settings();
    // Before any work: a place that cannot take the outputs would fail only after training.
    if (checkpoint != null) {
      OutputPlaces.directory("--checkpoint", checkpoint);
    }
    if (report != null) {
      OutputPlaces.directory("--report", report);
    }
    if (resume != null && !Files.isDirectory(resume)) {
      throw new IllegalArgumentException("--resume " + resume + ": not a directory");
    }
    // With --json, stdout carries the JSON alone, so that it can be piped; the rest goes to stderr.
    PrintWriter out = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
    DataSource.Dataset dataset = source.resolve(data);
    out.println(dataset.description());
    out.flush();
    TrainOutcome outcome = TrainingJob.run(settings, dataset, out, this::warn);
    TrainSummary summary = TrainSummary.of(outcome);
    out.println(
        String.format(
            Locale.ROOT,
            "done: test loss %.4f, test accuracy %.4f after epoch %d, %.0f samples/s, data wait"
                + " %.1f%% (first batch after %.2f s), %.1f s",
            summary.testLoss(),
            summary.testAccuracy(),
            outcome.report().lastEpoch().epoch() + 1,
            summary.samplesPerSecond(),
            summary.dataWaitPercent(),
            summary.firstBatchSeconds(),
            summary.seconds()));
    out.println(outcome.report().bottleneck());
    out.println(outcome.report().tuning().summary());
    if (report != null) {
      out.println("report: " + ReportWriter.write(report, outcome));
    }
    out.flush();
    if (json) {
      PrintWriter stdout = spec.commandLine().getOut();
      stdout.println(summary.toJson());
      stdout.flush();
    }
    return 0;
  }

  private TrainSettings settings() {
    try {
      return new TrainSettings(
          model,
          epochs,
          batchSize,
          learningRate,
          augment,
          chosen("--workers", workers),
          chosen("--prefetch", prefetch),
          seed,
          checkpoint,
          resume);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** A size the user set, checked, or {@link TrainSettings#TUNED} when left to the tuner. */
  private static int chosen(String option, Integer value) {
    if (value == null) {
      return TrainSettings.TUNED;
    }
    if (value < 1) {
      throw new IllegalArgumentException(option + " must be >= 1, was " + value);
    }
    return value;
  }

  /** Prints a warning as one line on stderr, named as the error line is. */
  private void warn(String warning) {
    PrintWriter err = spec.commandLine().getErr();
    err.println(spec.qualifiedName() + ": warning: " + warning);
    err.flush();
  }
}
