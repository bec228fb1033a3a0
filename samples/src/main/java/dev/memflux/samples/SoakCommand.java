package dev.memflux.samples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpyWriter;
import dev.memflux.core.Shuffle;
import dev.memflux.samples.data.FileTrees;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;

/**
 * {@code memflux soak --minutes N}: trains a small model for N minutes, one epoch per round through
 * a fresh pipeline (loader, augmentation, {@link Training#fit}), and samples the process between
 * rounds: heap in use after a collection, direct memory, anonymous resident memory, threads, the
 * trainer's NDArrays, and the pooled buffers the rounds left unclosed. Prints the table, then
 * {@link SoakVerdict}'s judgement of each figure after its warm-up; exits with 1 when one grew with
 * the work done beyond its noise floor, or a buffer was left unclosed, which is how a slow leak
 * shows up long before it crashes a job that runs for days. Samples are taken between rounds, when
 * no pipeline runs, so a slow machine takes fewer: the run goes on past N minutes until the
 * fastest-settling figures can be judged.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description =
        "Train a small model for N minutes through the full pipeline and check that"
            + " heap, direct memory, RSS, threads and NDArrays stay flat.")
final class SoakCommand implements Callable<Integer> {

  private static final int ROWS = 2048;
  private static final int SIDE = 16;
  private static final int CLASSES = 4;

  @Spec private CommandSpec spec;

  @Option(names = "--minutes", defaultValue = "10", description = "how long to run (default 10)")
  double minutes;

  @Option(names = "--seconds", hidden = true, description = "run length in seconds (tests)")
  Double seconds;

  @Option(
      names = "--interval-ms",
      hidden = true,
      defaultValue = "5000",
      description = "sampling interval in milliseconds")
  long intervalMillis;

  /**
   * A test's way into every round, to show that the soak catches a leak; not a command line option.
   */
  interface RoundHook {
    /** The round's batches on their way to training. */
    default Flux<Batch> batches(Flux<Batch> batches) {
      return batches;
    }

    /** Runs after each round. */
    default void roundEnded() {}
  }

  RoundHook hook = new RoundHook() {};

  @Override
  public Integer call() throws Exception {
    long runNanos = (long) ((seconds != null ? seconds : minutes * 60) * 1e9);
    if (runNanos <= 0) {
      throw new IllegalArgumentException(
          seconds != null
              ? "--seconds must be > 0, was " + seconds
              : "--minutes must be > 0, was " + minutes);
    }
    if (intervalMillis <= 0) {
      throw new IllegalArgumentException("--interval-ms must be > 0, was " + intervalMillis);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("memflux-soak");
    List<SoakSample> samples;
    CpuTraining.tune();
    try (NpyArray x = NpyArray.open(writeImages(dir.resolve("x.npy")));
        NpyArray y = NpyArray.open(writeLabels(dir.resolve("y.npy")));
        Model model = Model.newInstance("soak", Device.cpu())) {
      model.setBlock(
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(64).build())
              .add(Activation.reluBlock())
              .add(Linear.builder().setUnits(CLASSES).build()));
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optDevices(new Device[] {Device.cpu()})
              .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1, 1, SIDE, SIDE));
        samples = soak(trainer, x, y, runNanos, out);
      }
    } finally {
      FileTrees.delete(dir);
    }
    return SoakVerdict.judge(samples).print(out);
  }

  /** Runs rounds until the time is up, sampling between them; prints each sample as it is taken. */
  private List<SoakSample> soak(
      Trainer trainer, NpyArray x, NpyArray y, long runNanos, PrintWriter out) throws Exception {
    List<SoakSample> samples = new ArrayList<>();
    out.println(SoakSample.HEADER);
    out.flush();
    long start = System.nanoTime();
    long nextSample = start;
    Round total = new Round(0, 0, 0);
    for (long round = 0; ; round++) {
      long now = System.nanoTime();
      if (now >= nextSample) {
        SoakSample s =
            SoakSample.take(
                (now - start) / 1e9,
                total.epochs(),
                total.batches(),
                trainer.getManager().getManagedArrays().size(),
                total.unclosed());
        samples.add(s);
        out.println(s.row());
        out.flush();
        nextSample += intervalMillis * 1_000_000L;
      }
      if (now - start >= runNanos && SoakVerdict.enough(samples)) {
        return samples;
      }
      // In a method of its own, so that nothing of the round is reachable from here once it ended.
      total = total.plus(round(trainer, x, y, round));
    }
  }

  /** What rounds did: epochs and batches trained, pooled buffers left unclosed. */
  private record Round(long epochs, long batches, long unclosed) {
    Round plus(Round r) {
      return new Round(epochs + r.epochs, batches + r.batches, unclosed + r.unclosed);
    }
  }

  /**
   * One round: a fresh pipeline for one epoch, so that per-subscription threads, pools and managers
   * come and go, which is where a leak would build up.
   */
  private Round round(Trainer trainer, NpyArray x, NpyArray y, long round) throws Exception {
    Loader loader =
        Loader.builder(x, y)
            .batchSize(64)
            .shuffle(Shuffle.random(round))
            .epochs(1)
            .prefetch(4)
            .gatherThreads(2)
            .build();
    Augment augment =
        Augment.images(ImageLayout.CHW)
            .toFloat(1 / 255f)
            .horizontalFlip(0.5)
            .rotate(10)
            .seed(round)
            .parallelism(2);
    TrainingReport report =
        Training.fit(
                trainer,
                hook.batches(loader.batches().transform(augment))
                    .doOnDiscard(Batch.class, Batch::close),
                TrainingOptions.builder().sampleInterval(Duration.ofSeconds(1)).build())
            .block(Duration.ofMinutes(5));
    if (report == null) {
      throw new IllegalStateException("round " + round + " ended without a report");
    }
    long unclosed = unclosed(loader.bufferPool()) + unclosed(augment.bufferPool());
    hook.roundEnded();
    return new Round(
        report.epochs().size(),
        report.epochs().stream().mapToLong(e -> e.batches()).sum(),
        unclosed);
  }

  /** Buffers of {@code pool} not closed by the end of a round: still leased, or reclaimed. */
  private static long unclosed(BufferPool pool) throws InterruptedException {
    // Training.fit's report comes once everything was released; a short wait covers a stage that
    // releases on its own thread just after.
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (pool.outstanding() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return pool.outstanding() + pool.reclaimed();
  }

  /** Writes seeded uint8 images whose class is the quadrant holding the brightest blob. */
  private static Path writeImages(Path path) throws IOException {
    try (NpyWriter x = NpyWriter.create(path, DType.UINT8, new long[] {ROWS, 1, SIDE, SIDE})) {
      SplittableRandom random = new SplittableRandom(1);
      for (long i = 0; i < ROWS; i++) {
        int c = (int) (i % CLASSES);
        for (int r = 0; r < SIDE; r++) {
          for (int col = 0; col < SIDE; col++) {
            boolean blob = (r < SIDE / 2) == (c < 2) && (col < SIDE / 2) == (c % 2 == 0);
            x.putLong((blob ? 160 : 0) + random.nextInt(90));
          }
        }
      }
      x.finish();
    }
    return path;
  }

  /** Writes the labels of {@link #writeImages}'s images. */
  private static Path writeLabels(Path path) throws IOException {
    try (NpyWriter y = NpyWriter.create(path, DType.INT64, new long[] {ROWS})) {
      for (long i = 0; i < ROWS; i++) {
        y.putLong(i % CLASSES);
      }
      y.finish();
    }
    return path;
  }
}
