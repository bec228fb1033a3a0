package dev.memflux.samples.bench;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One row of the bench: one measured configuration, or one row of the peer's results.
 *
 * @param stage {@code limit}, {@code loader}, {@code augment}, {@code train} (the peer adds {@code
 *     normalize})
 * @param impl {@code memcpy}, {@code seqread}, {@code memflux}, {@code peer-dataloader}, {@code
 *     peer-batched}, {@code djl}, {@code preloaded}, or {@code gather} (the peer's native gather)
 * @param variant what distinguishes rows of the same stage and impl ({@code mmap-fresh}, {@code
 *     mlp}, {@code sample+aug}, ...), or {@code ""}
 * @param dataset {@code fmnist-u8}, {@code images-f32}, or null for the memory copy
 * @param shuffle whether samples were read in random order
 * @param threads gather threads, augmentation parallelism or DataLoader workers
 * @param samplesPerSec median throughput in samples per second, NaN where there are no samples
 * @param gbPerSec median bytes of source data per second, in 1e9 B/s (for a copy: bytes copied)
 * @param dataWaitPct share of training time spent waiting for data, NaN outside training
 * @param spread (max - min) / median of the repetitions' rates (bytes per second), NaN when unknown
 * @param reps timed repetitions, 0 when unknown
 * @param batch samples per batch, 0 when none
 * @param pipeline for a training row, what fed the model: {@code plain} (loader → standardise →
 *     tensors, as {@code memflux train} runs) or {@code augment} (with {@code --augment}); {@code
 *     ""} elsewhere
 */
record Result(
    String stage,
    String impl,
    String variant,
    @Nullable String dataset,
    boolean shuffle,
    int threads,
    double samplesPerSec,
    double gbPerSec,
    double dataWaitPct,
    double spread,
    int reps,
    int batch,
    String pipeline) {

  /** Checks the names. */
  Result {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(impl, "impl");
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(pipeline, "pipeline");
  }

  /**
   * A row measured by {@link Timing}: its rates, data wait, spread and repetitions are s's; {@code
   * pipeline} is what fed a trained model, {@code ""} outside training.
   */
  static Result measured(
      String stage,
      String impl,
      String variant,
      @Nullable String dataset,
      boolean shuffle,
      int threads,
      Timing.Summary s,
      int batch,
      String pipeline) {
    return new Result(
        stage,
        impl,
        variant,
        dataset,
        shuffle,
        threads,
        s.samplesPerSec(),
        s.gbPerSec(),
        s.dataWaitPct(),
        s.spread(),
        s.reps(),
        batch,
        pipeline);
  }
}
