package dev.memflux.samples.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.translate.Batchifier;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.EpochReport;
import dev.memflux.train.NpyDataset;
import dev.memflux.train.Tensors;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
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
 * Training throughput on Fashion-MNIST for each {@link BenchModels.Kind}, fed three ways: through
 * memflux ({@link Training#fit} over a shuffled {@link Loader}); from batches preloaded as NDArrays
 * (a plain loop of {@code EasyTrain.trainBatch} and {@code step}, the upper bound); and through
 * DJL's own pipeline ({@code EasyTrain.fit} over an {@link NpyDataset} with DJL's prefetching
 * executor).
 *
 * <p>Every way trains the same model, initialised from the same seed, on the same file, in rounds
 * of the same number of full batches of the same size ({@code dropLast}); the first rounds are a
 * warm-up ({@link BenchSettings#trainWarmups()}), the figure the median of the rest. A round is one
 * epoch of one shard of the data set ({@code shard(0, k)}, sized by {@link
 * BenchSettings#trainBatches}): memflux trains all rounds in one {@link Training#fit}, on one
 * training thread, as it is used. Only training is timed: for memflux the report's training time
 * (from asking for each batch to finishing its step), for the preloaded loop the loop, for DJL its
 * {@code fit}. Data wait is the share of that time the training thread waited for a batch. PyTorch
 * gets half the processors (one on two cores) and glibc's malloc thresholds are fixed ({@link
 * CpuTraining}), as in {@code memflux train}: otherwise whether a training thread's freed tensors
 * are faulted back in every step depends on its malloc arena, and the CNN's rate on it by up to
 * 40%.
 */
final class TrainingBench {

  private static final BenchDataset DATA = BenchDataset.FMNIST;
  private static final int SEED = 42;

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
   * Training#fit} does, so all three drive PyTorch from a non-main thread alike.
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
      for (BenchModels.Kind kind : BenchModels.Kind.values()) {
        // A round is one epoch of one shard: memflux trains all rounds in one run, as it is
        // used, and every way trains the shard's number of full batches per round.
        long perRound = (long) settings.trainBatches(kind) * settings.batchSize();
        Loader loader =
            Loader.builder(x, y)
                .batchSize(settings.batchSize())
                .dropLast(true)
                .shuffle(Shuffle.random(SEED))
                .shard(0, (int) Math.max(1, x.rows() / perRound))
                .epochs(settings.trainWarmups() + settings.reps())
                .build();
        int batches = (int) loader.batchesPerEpoch();
        results.add(preloaded(kind, batches, loader));
        results.add(memflux(kind, batches, loader));
        results.add(djl(kind, batches, x, y));
      }
    }
    return results;
  }

  /** A new model of {@code kind}, initialised alike for every way of feeding it. */
  private Trainer trainer(Model model, BenchModels.Kind kind, boolean djlExecutor) {
    Engine.getInstance().setRandomSeed(SEED);
    return BenchModels.trainer(model, kind, settings.batchSize(), djlExecutor);
  }

  /**
   * One {@link Training#fit} over all rounds, each an epoch of the loader, on one training thread;
   * each epoch's samples, training time and data wait come from its {@link EpochReport}.
   */
  private Result memflux(BenchModels.Kind kind, int batches, Loader loader) throws Exception {
    try (Model model = Model.newInstance("bench-" + kind.id());
        Trainer trainer = trainer(model, kind, false)) {
      TrainingReport report =
          Training.fit(
                  trainer,
                  loader.batches(),
                  TrainingOptions.builder().stageMeters(loader.gatherMeter()).build())
              .blockOptional()
              .orElseThrow();
      List<Timing.Rep> timed = new ArrayList<>();
      for (EpochReport e : report.epochs()) {
        check("memflux", e.batches(), e.samples(), batches);
        Timing.Rep r =
            new Timing.Rep(
                e.samples(), e.samples() * DATA.rowBytes(), e.seconds(), e.dataWaitSeconds());
        logRound("memflux", kind, (int) e.epoch(), batches, r);
        if (e.epoch() >= settings.trainWarmups()) {
          timed.add(r);
        }
      }
      log.printf("bench: train %s memflux: %s%n", kind.id(), report.bottleneck());
      return row("memflux", kind, 1, Timing.summarize(timed));
    }
  }

  private Result preloaded(BenchModels.Kind kind, int batches, Loader loader) throws Exception {
    try (Model model = Model.newInstance("bench-" + kind.id());
        Trainer trainer = trainer(model, kind, false);
        NDManager held = trainer.getManager().newSubManager()) {
      List<ai.djl.training.dataset.Batch> inMemory =
          loader
              .batches()
              .take(batches)
              .transform(Tensors.builder(held).build())
              .collectList()
              .blockOptional()
              .orElseThrow();
      try {
        return row(
            "preloaded",
            kind,
            0,
            measure(
                "preloaded",
                kind,
                batches,
                () -> {
                  long samples = 0;
                  long start = System.nanoTime();
                  for (ai.djl.training.dataset.Batch b : inMemory) {
                    // Each step trains on a copy of the preloaded arrays (a memcpy of 200 KB,
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
                  check("preloaded", inMemory.size(), samples, batches);
                  // In memory: the loop never waits for data.
                  return new Timing.Rep(samples, samples * DATA.rowBytes(), seconds, 0);
                }));
      } finally {
        inMemory.forEach(ai.djl.training.dataset.Batch::close);
      }
    }
  }

  private Result djl(BenchModels.Kind kind, int batches, NpyArray x, NpyArray y) throws Exception {
    try (Model model = Model.newInstance("bench-" + kind.id());
        Trainer trainer = trainer(model, kind, true)) {
      return row(
          "djl",
          kind,
          1,
          measure(
              "djl",
              kind,
              batches,
              () -> {
                TimedDataset dataset =
                    new TimedDataset(
                        NpyDataset.builder(x, y)
                            .setSampling(settings.batchSize(), true, true)
                            .optLimit((long) batches * settings.batchSize())
                            .optPrefetchNumber(4)
                            .build());
                long start = System.nanoTime();
                EasyTrain.fit(trainer, 1, dataset, null);
                double seconds = Timing.since(start);
                check("djl", dataset.batches(), dataset.samples(), batches);
                long samples = dataset.samples();
                return new Timing.Rep(
                    samples, samples * DATA.rowBytes(), seconds, dataset.waitSeconds());
              }));
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
  private Timing.Summary measure(String impl, BenchModels.Kind kind, int batches, Timing.Body round)
      throws Exception {
    int[] n = {0};
    return Timing.measure(
        settings.trainWarmups(),
        settings.reps(),
        () -> {
          Timing.Rep r = round.run();
          logRound(impl, kind, n[0]++, batches, r);
          return r;
        });
  }

  private void logRound(String impl, BenchModels.Kind kind, int round, int batches, Timing.Rep r) {
    log.printf(
        Locale.ROOT,
        "bench: train %s %s round %d%s: %d batches, %d samples in %.2f s,"
            + " %.0f samples/s, data wait %.1f%%%n",
        kind.id(),
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
  private void check(String impl, long trained, long samples, int batches) {
    if (trained != batches || samples != (long) batches * settings.batchSize()) {
      throw new IllegalStateException(
          impl
              + " trained "
              + trained
              + " batches of "
              + samples
              + " samples, expected "
              + batches
              + " of "
              + settings.batchSize());
    }
  }

  private Result row(String impl, BenchModels.Kind kind, int threads, Timing.Summary s) {
    return Result.measured(
        "train", impl, kind.id(), DATA.id(), true, threads, s, settings.batchSize());
  }
}
