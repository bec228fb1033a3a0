package dev.memflux.samples.job;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one {@code memflux train} run, checked: what the training job runs and what the
 * report records.
 *
 * @param model one of {@link Classifiers#NAMES}
 * @param epochs epochs to train, counted from the first (a resumed run trains the rest)
 * @param batchSize samples per training batch
 * @param learningRate Adam's peak learning rate, from which a cosine schedule decays
 * @param augment whether training images are flipped, rotated and cropped at random
 * @param workers gather threads of the loader and augmentation threads, or {@link #TUNED}
 * @param prefetch batches the loader gathers ahead of demand, or {@link #TUNED}
 * @param seed seed of the shuffle, the augmentation and the parameter initialisation
 * @param checkpoint directory to save a checkpoint in at every epoch end, or {@code null}
 * @param resume directory of the checkpoint to continue from, or {@code null}
 */
public record TrainSettings(
    String model,
    int epochs,
    int batchSize,
    float learningRate,
    boolean augment,
    int workers,
    int prefetch,
    long seed,
    @Nullable Path checkpoint,
    @Nullable Path resume) {

  /** {@code --epochs} by default. */
  public static final int DEFAULT_EPOCHS = 5;

  /** {@code --batch-size} by default. */
  public static final int DEFAULT_BATCH_SIZE = 128;

  /** {@code --lr} by default. */
  public static final float DEFAULT_LEARNING_RATE = 0.001f;

  /** A size left to the run's tuner, which starts from the library's default. */
  public static final int TUNED = 0;

  /** The loader's prefetch a tuned run starts from. */
  public static final int DEFAULT_PREFETCH = 4;

  /** {@code --seed} by default. */
  public static final long DEFAULT_SEED = 42;

  /**
   * Checks every value.
   *
   * @throws IllegalArgumentException naming the command line option and the bad value
   */
  public TrainSettings {
    Objects.requireNonNull(model, "model");
    require(
        Classifiers.NAMES.contains(model),
        "--model",
        model,
        String.join(" or ", Classifiers.NAMES));
    require(epochs >= 1, "--epochs", epochs, ">= 1");
    require(batchSize >= 1, "--batch-size", batchSize, ">= 1");
    require(
        learningRate > 0 && Float.isFinite(learningRate),
        "--lr",
        learningRate,
        "a positive number");
    require(workers >= 1 || workers == TUNED, "--workers", workers, ">= 1");
    require(prefetch >= 1 || prefetch == TUNED, "--prefetch", prefetch, ">= 1");
  }

  private static void require(boolean ok, String option, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(option + " must be " + rule + ", was " + value);
    }
  }
}
