package dev.memflux.samples.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Pipeline;
import dev.memflux.core.NpyArray;
import dev.memflux.samples.job.ChannelStats;
import dev.memflux.samples.job.Classifiers;
import dev.memflux.samples.job.TrainPipeline;
import dev.memflux.samples.job.TrainSettings;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.EpochReport;
import dev.memflux.train.NpyDataset;
import dev.memflux.train.Tensors;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingReport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Training throughput on Fashion-MNIST for each model of {@code memflux train} ({@link
 * Classifiers}), fed the ways it can be fed: through the pipeline {@code memflux train} runs
 * ({@link TrainPipeline}: loader → augment → tensors → {@link Training#fit}), plain (standardised)
 * and with {@code --augment} (flip, rotation, crop, then standardised); from batches of the plain
 * pipeline preloaded as NDArrays (a plain loop of {@code EasyTrain.trainBatch} and {@code step},
 * the upper bound); and through DJL's own pipeline ({@code EasyTrain.fit} over an {@link
 * NpyDataset} with DJL's prefetching executor and a DJL {@link Pipeline} that standardises).
 *
 * <p>Every way trains the same model with the same trainer configuration ({@link
 * TrainPipeline#config()}: Adam, accuracy, DJL's basic listeners), initialised from the same seed,
 * on the same file, with {@code memflux train}'s batch size and workers, in rounds of the same
 * number of full batches; the first rounds are a warm-up ({@link BenchSettings#trainWarmups()}),
 * the figure the median of the rest. A round is one epoch of one shard of the data set ({@code
 * shard(0, k)}, sized by {@link BenchSettings#trainBatches}): memflux trains all rounds in one
 * {@link Training#fit}, on one training thread, as it is used. Only training is timed: for memflux
 * the report's training time (from asking for each batch to finishing its step), for the preloaded
 * loop the loop, for DJL its {@code fit}. Data wait is the share of that time the training thread
 * waited for a batch. PyTorch gets half the processors (one on two cores) and glibc's malloc
 * thresholds are fixed ({@link CpuTraining}), as in {@code memflux train}.
 */
final class TrainingBench {

  private static final BenchDataset DATA = BenchDataset.FMNIST;
  private static final String PLAIN = "plain";
  private static final String AUGMENT = "augment";

  private final BenchSettings settings;
  private final BenchFiles files;
  private final PrintStream log;

  TrainingBench(BenchSettings settings, BenchFiles files, PrintStream log) {
    this.settings = settings;
    this.files = files;
    this.log = log;
  }

  /**
   * Every training row. The preloaded and DJL loops run on a thread of their own, as {@link
   * Training#fit} does, so all drive PyTorch from a non-main thread alike.
   */
  List<Result> run() throws Exception {
    // Before anything loads DJL's engine, which reads these once; no other section uses DJL.
    CpuTraining.tune();
    Scheduler thread = Schedulers.newBoundedElastic(1, 1, "memflux-bench-train");
    try {
      return Objects.requireNonNull(
          Mono.fromCallable(this::measureAll).subscribeOn(thread).block(), "results");
    } finally {
      thread.dispose();
    }
  }

  private List<Result> measureAll() throws Exception {
    List<Result> results = new ArrayList<>();
    try (BenchFiles.Mapped data = files.openWarm(DATA)) {
      NpyArray x = data.images();
      NpyArray y = data.labels();
      ChannelStats stats = ChannelStats.of(x);
      for (String model : Classifiers.NAMES) {
        results.add(preloaded(model, x, y, stats));
        results.add(memflux(model, PLAIN, x, y, stats));
        results.add(memflux(model, AUGMENT, x, y, stats));
        results.add(djl(model, x, y, stats));
      }
    }
    return results;
  }

  /**
   * {@code memflux train}'s settings for {@code model} and {@code pipeline}, with an epoch per
   * round.
   */
  private TrainSettings trainSettings(String model, String pipeline) {
    return new TrainSettings(
        model,
        settings.trainWarmups() + settings.reps(),
        TrainSettings.DEFAULT_BATCH_SIZE,
        TrainSettings.DEFAULT_LEARNING_RATE,
        pipeline.equals(AUGMENT),
        TrainSettings.TUNED,
        TrainSettings.TUNED,
        TrainSettings.DEFAULT_SEED,
        null,
        null);
  }

  /**
   * The pipeline of {@code memflux train} on a shard of the file, in full batches: an epoch of it
   * is one round.
   */
  private TrainPipeline pipeline(TrainSettings train, NpyArray x, NpyArray y, ChannelStats stats) {
    long perRound = (long) settings.trainBatches(train.model()) * train.batchSize();
    int shards = (int) Math.max(1, x.rows() / perRound);
    return TrainPipeline.of(train, x, y, stats, b -> b.dropLast(true).shard(0, shards));
  }

  /** A new trainer for {@code model}, initialised alike for every way of feeding it. */
  private static Trainer trainer(Model model, TrainSettings train, DefaultTrainingConfig config) {
    Engine.getInstance().setRandomSeed(Long.hashCode(train.seed()));
    model.setBlock(Classifiers.block(train.model(), 10));
    Trainer trainer = model.newTrainer(config);
    trainer.initialize(new Shape(train.batchSize(), 1, 28, 28));
    return trainer;
  }

  /**
   * One {@link Training#fit} over all rounds of {@code memflux train}'s pipeline, each an epoch of
   * the loader, on one training thread; each epoch's samples, training time and data wait come from
   * its {@link EpochReport}.
   */
  private Result memflux(String model, String pipe, NpyArray x, NpyArray y, ChannelStats stats)
      throws Exception {
    TrainSettings train = trainSettings(model, pipe);
    TrainPipeline pipeline = pipeline(train, x, y, stats);
    int batches = (int) pipeline.loader().batchesPerEpoch();
    String name = "memflux " + pipe;
    try (Model m = Model.newInstance("bench-" + model);
        Trainer trainer = trainer(m, train, pipeline.config())) {
      TrainingReport report =
          Training.fit(trainer, pipeline.batches(), pipeline.options().build())
              .blockOptional()
              .orElseThrow();
      List<Timing.Rep> timed = new ArrayList<>();
      for (EpochReport e : report.epochs()) {
        check(name, e.batches(), e.samples(), batches, train);
        Timing.Rep r =
            new Timing.Rep(
                e.samples(), e.samples() * DATA.rowBytes(), e.seconds(), e.dataWaitSeconds());
        logRound(name, model, (int) e.epoch(), batches, r);
        if (e.epoch() >= settings.trainWarmups()) {
          timed.add(r);
        }
      }
      log.printf("bench: train %s %s: %s%n", model, name, report.bottleneck());
      log.printf("bench: train %s %s: %s%n", model, name, report.tuning().summary());
      // the sizes are tuned as in memflux train: the row shows the augmentation threads chosen
      int workers = pipeline.images().meter().workers();
      return row("memflux", model, pipe, workers, Timing.summarize(timed), train);
    }
  }

  /** The plain pipeline's batches preloaded as NDArrays, then trained on in a plain loop. */
  private Result preloaded(String model, NpyArray x, NpyArray y, ChannelStats stats)
      throws Exception {
    TrainSettings train = trainSettings(model, PLAIN);
    TrainPipeline pipeline = pipeline(train, x, y, stats);
    int batches = (int) pipeline.loader().batchesPerEpoch();
    try (Model m = Model.newInstance("bench-" + model);
        Trainer trainer = trainer(m, train, pipeline.config());
        NDManager held = trainer.getManager().newSubManager()) {
      List<ai.djl.training.dataset.Batch> inMemory =
          pipeline
              .batches()
              .take(batches)
              .transform(Tensors.builder(held).build())
              .collectList()
              .blockOptional()
              .orElseThrow();
      try {
        Timing.Summary s =
            measure(
                "preloaded",
                model,
                batches,
                () -> {
                  long samples = 0;
                  long start = System.nanoTime();
                  for (ai.djl.training.dataset.Batch b : inMemory) {
                    // Each step trains on a copy of the preloaded arrays (a memcpy of 400 KB,
                    // against milliseconds of compute) owned by a per-step manager, as is the
                    // step's batch: op results, which live in their input's manager, and whatever
                    // DJL allocates there are freed with the step; the preloaded set never changes.
                    try (NDManager step = trainer.getManager().newSubManager()) {
                      EasyTrain.trainBatch(
                          trainer,
                          new ai.djl.training.dataset.Batch(
                              step,
                              copy(b.getData(), step),
                              copy(b.getLabels(), step),
                              b.getSize(),
                              Batchifier.STACK,
                              Batchifier.STACK,
                              0,
                              0));
                      trainer.step();
                    }
                    samples += b.getSize();
                  }
                  double seconds = Timing.since(start);
                  check("preloaded", inMemory.size(), samples, batches, train);
                  // In memory: the loop never waits for data.
                  return new Timing.Rep(samples, samples * DATA.rowBytes(), seconds, 0);
                });
        return row("preloaded", model, PLAIN, 0, s, train);
      } finally {
        inMemory.forEach(ai.djl.training.dataset.Batch::close);
      }
    }
  }

  /**
   * DJL's pipeline: an {@link NpyDataset} of the same shard size, batched and prefetched by DJL,
   * standardised by a DJL {@link Pipeline} with the same arithmetic as the plain pipeline.
   */
  private Result djl(String model, NpyArray x, NpyArray y, ChannelStats stats) throws Exception {
    TrainSettings train = trainSettings(model, PLAIN);
    TrainPipeline pipeline = pipeline(train, x, y, stats);
    int batches = (int) pipeline.loader().batchesPerEpoch();
    float mean = stats.mean()[0];
    float std = stats.std()[0];
    Pipeline standardise =
        new Pipeline(
            images -> images.toType(DataType.FLOAT32, false).mul(1 / 255f).sub(mean).div(std));
    try (Model m = Model.newInstance("bench-" + model);
        Trainer trainer = trainer(m, train, pipeline.config().optExecutorService())) {
      Timing.Summary s =
          measure(
              "djl",
              model,
              batches,
              () -> {
                TimedDataset dataset =
                    new TimedDataset(
                        NpyDataset.builder(x, y)
                            .setSampling(train.batchSize(), true, true)
                            .optLimit((long) batches * train.batchSize())
                            .optPrefetchNumber(4)
                            .optPipeline(standardise)
                            .build());
                long start = System.nanoTime();
                EasyTrain.fit(trainer, 1, dataset, null);
                double seconds = Timing.since(start);
                check("djl", dataset.batches(), dataset.samples(), batches, train);
                long samples = dataset.samples();
                return new Timing.Rep(
                    samples, samples * DATA.rowBytes(), seconds, dataset.waitSeconds());
              });
      return row("djl", model, PLAIN, 1, s, train);
    }
  }

  /** Copies of {@code arrays} owned by {@code manager}. */
  private static NDList copy(NDList arrays, NDManager manager) {
    NDList copies = new NDList(arrays.size());
    for (NDArray a : arrays) {
      NDArray c = a.duplicate();
      c.attach(manager);
      copies.add(c);
    }
    return copies;
  }

  /** The warm-up rounds, then the timed rounds; logs every round. */
  private Timing.Summary measure(String impl, String model, int batches, Timing.Body round)
      throws Exception {
    int[] n = {0};
    return Timing.measure(
        settings.trainWarmups(),
        settings.reps(),
        () -> {
          Timing.Rep r = round.run();
          logRound(impl, model, n[0]++, batches, r);
          return r;
        });
  }

  private void logRound(String impl, String model, int round, int batches, Timing.Rep r) {
    log.printf(
        Locale.ROOT,
        "bench: train %s %s round %d%s: %d batches, %d samples in %.2f s,"
            + " %.0f samples/s, data wait %.1f%%%n",
        model,
        impl,
        round,
        round < settings.trainWarmups() ? " (warm-up)" : "",
        batches,
        r.samples(),
        r.seconds(),
        r.samples() / r.seconds(),
        100 * r.waitSeconds() / r.seconds());
  }

  /** Fails when a round did not train exactly {@code batches} full batches. */
  private static void check(
      String impl, long trained, long samples, int batches, TrainSettings train) {
    if (trained != batches || samples != (long) batches * train.batchSize()) {
      throw new IllegalStateException(
          impl
              + " trained "
              + trained
              + " batches of "
              + samples
              + " samples, expected "
              + batches
              + " of "
              + train.batchSize());
    }
  }

  private static Result row(
      String impl,
      String model,
      String pipeline,
      int threads,
      Timing.Summary s,
      TrainSettings train) {
    return Result.measured(
        "train", impl, model, DATA.id(), true, threads, s, train.batchSize(), pipeline);
  }
}
