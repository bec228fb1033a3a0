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
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpyWriter;
import dev.memflux.core.Shuffle;
import dev.memflux.samples.data.FileTrees;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
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

/**
 * {@code memflux soak --minutes N}: trains a small model for N minutes, epoch after epoch, through
 * the whole pipeline (loader, augmentation, {@link Training#fit}), sampling heap used (after a GC),
 * direct memory, resident set size and thread count every few seconds. Prints a table and the
 * growth of each figure after warm-up (the first 20% of the run); exits with 1 when any grew by
 * more than 5% (and by more than 8 MiB, or one thread: below that it is noise), which is how a slow
 * leak shows up long before it crashes a job that runs for days. Samples are taken between rounds
 * (one epoch each), when no pipeline is running, so a slow machine takes fewer: the run goes on
 * past N minutes until it has {@value #MIN_SAMPLES}, enough for a trend after warm-up.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description =
        "Train a small model for N minutes through the full pipeline and check that"
            + " heap, direct memory, RSS and threads stay flat.")
final class SoakCommand implements Callable<Integer> {

  static final double MAX_GROWTH_PERCENT = 5.0;
  // Growth below these is noise, not a leak: a pool buffer or two, an allocator arena, one thread.
  static final double[] NOISE_FLOOR = {8 << 20, 8 << 20, 8 << 20, 1};
  static final double WARM_UP = 0.2;
  static final int MIN_SAMPLES = 6;
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

  /** One row of the table. */
  record Sample(
      double seconds,
      long heapBytes,
      long directBytes,
      long rssBytes,
      int threads,
      long epochs,
      long batches) {}

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
    List<Sample> samples = new ArrayList<>();
    TorchThreads.limitUnlessSet();
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
        out.printf(
            "%8s %9s %10s %8s %8s %8s %9s%n",
            "time_s", "heap_MB", "direct_MB", "rss_MB", "threads", "epochs", "batches");
        out.flush();
        long start = System.nanoTime();
        long nextSample = start;
        long epochs = 0;
        long batches = 0;
        long round = 0;
        while (true) {
          long now = System.nanoTime();
          if (now >= nextSample) {
            Sample s = sample((now - start) / 1e9, epochs, batches);
            samples.add(s);
            out.printf(
                "%8.1f %9.1f %10.1f %8.1f %8d %8d %9d%n",
                s.seconds(),
                mb(s.heapBytes()),
                mb(s.directBytes()),
                mb(s.rssBytes()),
                s.threads(),
                s.epochs(),
                s.batches());
            out.flush();
            nextSample += intervalMillis * 1_000_000L;
          }
          if (now - start >= runNanos && samples.size() >= MIN_SAMPLES) {
            break;
          }
          // A fresh pipeline each round (one epoch): per-subscription threads, pools and
          // managers come and go, which is where a leak would build up.
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
                      loader.batches().transform(augment).doOnDiscard(Batch.class, Batch::close),
                      TrainingOptions.builder().sampleInterval(Duration.ofSeconds(1)).build())
                  .block(Duration.ofMinutes(5));
          if (report == null) {
            throw new IllegalStateException("round " + round + " ended without a report");
          }
          if (loader.bufferPool().outstanding() != 0 || augment.bufferPool().outstanding() != 0) {
            throw new IllegalStateException(
                "round "
                    + round
                    + " left buffers leased: loader "
                    + loader.bufferPool().outstanding()
                    + ", augment "
                    + augment.bufferPool().outstanding());
          }
          epochs += report.epochs().size();
          batches += report.epochs().stream().mapToLong(e -> e.batches()).sum();
          round++;
        }
      }
    } finally {
      FileTrees.delete(dir);
    }
    return verdict(samples, out);
  }

  /** Prints the growth of each figure after warm-up and the verdict; returns the exit status. */
  static int verdict(List<Sample> samples, PrintWriter out) {
    int from = (int) Math.ceil(samples.size() * WARM_UP);
    if (samples.size() - from < 2) {
      out.println(
          "verdict: FAIL (too few samples after warm-up: "
              + samples.size()
              + "; run longer or sample more often)");
      out.flush();
      return 1;
    }
    List<Sample> steady = samples.subList(from, samples.size());
    // Means of the first and last fifth of the steady part, so one GC or page-in is no trend.
    int window = Math.max(1, steady.size() / 5);
    List<Sample> first = steady.subList(0, window);
    List<Sample> last = steady.subList(steady.size() - window, steady.size());
    String[] names = {"heap", "direct", "rss", "threads"};
    double[] growth = new double[names.length];
    StringBuilder line = new StringBuilder("growth after warm-up (first 20%):");
    boolean ok = true;
    for (int k = 0; k < names.length; k++) {
      double a = mean(first, k);
      double b = mean(last, k);
      growth[k] = a == 0 ? (b == 0 ? 0 : 100) : 100 * (b - a) / a;
      line.append(String.format(" %s %+.1f%%", names[k], growth[k]));
      ok &= growth[k] <= MAX_GROWTH_PERCENT || b - a <= NOISE_FLOOR[k];
    }
    out.println(line);
    out.println(
        ok
            ? "verdict: PASS (no figure grew more than " + MAX_GROWTH_PERCENT + "% beyond noise)"
            : "verdict: FAIL (a figure grew more than "
                + MAX_GROWTH_PERCENT
                + "% and more than 8 MiB or 1 thread)");
    out.flush();
    return ok ? 0 : 1;
  }

  private static double mean(List<Sample> samples, int figure) {
    return samples.stream()
        .mapToDouble(
            s ->
                switch (figure) {
                  case 0 -> s.heapBytes();
                  case 1 -> s.directBytes();
                  case 2 -> s.rssBytes();
                  default -> s.threads();
                })
        .average()
        .orElse(0);
  }

  static Sample sample(double seconds, long epochs, long batches) {
    System.gc(); // heap after a collection: live data, not garbage awaiting collection
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        direct = pool.getMemoryUsed();
      }
    }
    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
    return new Sample(seconds, heap, direct, rssBytes(), threads, epochs, batches);
  }

  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: RSS is reported as 0 and does not count
    }
    return 0;
  }

  private static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
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
