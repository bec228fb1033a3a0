package dev.memflux.samples.bench;

import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.util.ArrayList;
import java.util.List;

/**
 * The loader alone, as memflux is used: each data set's arrays are opened once (the page cache
 * warmed right before), and each configuration (sequential or shuffled, 1 or 2 gather threads) is
 * one {@link Loader}, with its one buffer pool, read for several epochs into a subscriber that only
 * counts and closes batches. The first epoch (first touch of the mapping, pool allocation, JIT) is
 * a warm-up; the figure is the median repetition of the rest, a repetition being as many
 * consecutive epochs as make {@link BenchSettings#loaderBytesPerRep()} (one epoch of the large
 * images, about twenty of Fashion-MNIST).
 */
final class LoaderBench {

  private final BenchSettings settings;
  private final BenchFiles files;

  LoaderBench(BenchSettings settings, BenchFiles files) {
    this.settings = settings;
    this.files = files;
  }

  /** Every loader row, for both data sets. */
  List<Result> run() throws Exception {
    List<Result> results = new ArrayList<>();
    for (BenchDataset d : BenchDataset.values()) {
      try (BenchFiles.Mapped data = files.openWarm(d)) {
        NpyArray x = data.images();
        NpyArray y = data.labels();
        int perRep = settings.loaderEpochsPerRep(x.rows() * d.rowBytes());
        for (boolean shuffle : new boolean[] {false, true}) {
          for (int threads = 1; threads <= 2; threads++) {
            Loader loader =
                Loader.builder(x, y)
                    .batchSize(settings.batchSize())
                    .shuffle(shuffle ? Shuffle.random(42) : Shuffle.none())
                    .gatherThreads(threads)
                    .epochs(settings.warmups() + (long) settings.reps() * perRep)
                    .build();
            Timing.Summary s =
                Timing.summarize(
                    EpochTimer.epochs(loader.batches(), d.rowBytes(), settings.warmups(), perRep));
            results.add(
                Result.measured(
                    "loader",
                    "memflux",
                    "",
                    d.id(),
                    shuffle,
                    threads,
                    s,
                    settings.batchSize(),
                    ""));
          }
        }
      }
    }
    return results;
  }
}
