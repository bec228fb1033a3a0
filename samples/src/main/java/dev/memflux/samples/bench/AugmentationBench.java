package dev.memflux.samples.bench;

import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.augment.Interpolation;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loader plus augmentation: shuffled batches through a random horizontal flip and a rotation of up
 * to 15 degrees ({@code uint8} images first become float32 in [0, 1]), at parallelism 1 and 2, into
 * a subscriber that only counts and closes them. The peer's counterpart is its {@code sample+aug}
 * DataLoader (torchvision's {@code RandomRotation(15)}, per sample), which samples the nearest
 * pixel: the {@code flip+rot15-nearest} rows do the same work; the {@code flip+rot15-bilinear} rows
 * show the cost of memflux's smoother default.
 *
 * <p>As for the loader, each configuration is one long-lived pipeline (one loader, one augment
 * stage) over several epochs, the first a warm-up. Augmenting a whole epoch of the large images
 * takes too long for the bench, so the loader reads one shard ({@code shard(0, k)}): an epoch of
 * {@link BenchSettings#augmentBatches} batches drawn at random from the whole file.
 */
final class AugmentationBench {

  private final BenchSettings settings;
  private final BenchFiles files;

  AugmentationBench(BenchSettings settings, BenchFiles files) {
    this.settings = settings;
    this.files = files;
  }

  /** Every augmentation row, for both data sets. */
  List<Result> run() throws Exception {
    List<Result> results = new ArrayList<>();
    for (BenchDataset d : BenchDataset.values()) {
      try (BenchFiles.Mapped data = files.openWarm(d)) {
        NpyArray x = data.images();
        NpyArray y = data.labels();
        long perEpoch = (long) settings.augmentBatches(d) * settings.batchSize();
        int shards = (int) Math.max(1, x.rows() / perEpoch);
        for (Interpolation interpolation : Interpolation.values()) {
          for (int parallelism = 1; parallelism <= 2; parallelism++) {
            Loader loader =
                Loader.builder(x, y)
                    .batchSize(settings.batchSize())
                    .shuffle(Shuffle.random(42))
                    .shard(0, shards)
                    .epochs(settings.warmups() + settings.reps())
                    .build();
            Timing.Summary s =
                Timing.summarize(
                    EpochTimer.epochs(
                        loader.batches().transform(augment(d, interpolation, parallelism)),
                        d.rowBytes(),
                        settings.warmups(),
                        1));
            results.add(
                Result.measured(
                    "augment",
                    "memflux",
                    "flip+rot15-" + interpolation.name().toLowerCase(Locale.ROOT),
                    d.id(),
                    true,
                    parallelism,
                    s,
                    settings.batchSize(),
                    ""));
          }
        }
      }
    }
    return results;
  }

  private static Augment augment(BenchDataset d, Interpolation interpolation, int parallelism) {
    Augment a = Augment.images(ImageLayout.CHW);
    if (d.dtype().itemSize() == 1) {
      a = a.toFloat(1 / 255f);
    }
    return a.horizontalFlip(0.5).rotate(-15, 15, interpolation).seed(7).parallelism(parallelism);
  }
}
