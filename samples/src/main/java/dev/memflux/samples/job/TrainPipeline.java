package dev.memflux.samples.job;

import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.Batch;
import dev.memflux.core.Loader;
import dev.memflux.core.LoaderState;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.train.TrainingOptions;
import java.util.Objects;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;

/**
 * The training side of a {@code memflux train} run, built from its settings: the shuffled {@link
 * Loader}, the {@link Augment} stage (standardisation, after a random flip, rotation and crop with
 * {@code --augment}), the trainer configuration (softmax cross-entropy, accuracy, Adam on a cosine
 * schedule, DJL's basic listeners) and the options that show the stages to {@code Training.fit}.
 * The training job runs it, and the benchmark measures exactly this pipeline.
 *
 * <pre>{@code
 * TrainPipeline pipeline = TrainPipeline.of(settings, x, y, ChannelStats.of(x), b -> b);
 * Training.fit(trainer, pipeline.batches(), pipeline.options().build()).block();
 * }</pre>
 */
public final class TrainPipeline {

  /** Random-crop padding, in pixels: shifts of up to 1 pixel; garments are centred. */
  static final int CROP_PADDING = 1;

  /**
   * Largest random rotation, in degrees: small, since garments are photographed upright; 10 (and
   * 2-pixel shifts) left the CNN underfitting after 10 epochs.
   */
  static final double MAX_ROTATION = 3;

  private final TrainSettings settings;
  private final Loader loader;
  private final Augment images;

  private TrainPipeline(TrainSettings settings, Loader loader, Augment images) {
    this.settings = settings;
    this.loader = loader;
    this.images = images;
  }

  /**
   * The pipeline over the training images {@code x} (uint8 {@code (N, C, H, W)}) and labels {@code
   * y}.
   *
   * @param stats the standardisation of the training images
   * @param loaderOptions changes to the loader's settings beyond the run's (the benchmark trains on
   *     a shard in full batches); {@code b -> b} for none
   */
  public static TrainPipeline of(
      TrainSettings settings,
      NpyArray x,
      NpyArray y,
      ChannelStats stats,
      UnaryOperator<Loader.Builder> loaderOptions) {
    Objects.requireNonNull(settings, "settings");
    Loader.Builder loader =
        Loader.builder(x, y)
            .batchSize(settings.batchSize())
            .shuffle(Shuffle.random(settings.seed()))
            .epochs(settings.epochs());
    // Sizes left unset are knobs the training run's tuner moves.
    if (settings.prefetch() != TrainSettings.TUNED) {
      loader = loader.prefetch(settings.prefetch());
    }
    if (settings.workers() != TrainSettings.TUNED) {
      loader = loader.gatherThreads(settings.workers());
    }
    return new TrainPipeline(
        settings, loaderOptions.apply(loader).build(), trainImages(settings, x.rowShape(), stats));
  }

  /** Standardisation, after the random flip, rotation and crop when asked for. */
  private static Augment trainImages(TrainSettings settings, long[] image, ChannelStats stats) {
    Augment augment = Augment.images(ImageLayout.CHW).toFloat(1 / 255f);
    if (settings.augment()) {
      // Before standardising, so rotation and crop fill the border with black, the background.
      augment =
          augment
              .horizontalFlip(0.5)
              .rotate(MAX_ROTATION)
              .randomCrop((int) Math.min(image[1], image[2]), CROP_PADDING);
    }
    augment = augment.normalize(stats.mean(), stats.std()).seed(settings.seed());
    return settings.workers() == TrainSettings.TUNED
        ? augment
        : augment.parallelism(settings.workers());
  }

  /** The same pipeline, its loader continuing just after the batch whose state is given. */
  public TrainPipeline resumeFrom(LoaderState state) {
    return new TrainPipeline(settings, loader.resumeFrom(state), images);
  }

  /** The loader. */
  public Loader loader() {
    return loader;
  }

  /** The augmentation stage of the training images. */
  public Augment images() {
    return images;
  }

  /** The augmented training batches: what {@code Training.fit} trains on. */
  public Flux<Batch> batches() {
    return loader.batches().transform(images);
  }

  /** Training options that show the loader's and the augmentation's work in the report. */
  public TrainingOptions.Builder options() {
    return TrainingOptions.builder().stageMeters(loader.gatherMeter(), images.meter());
  }

  /**
   * The trainer's configuration: softmax cross-entropy, accuracy, Adam whose rate decays along a
   * cosine from {@code --lr} to 1% of it over the epochs still to train (the large early steps find
   * a good region fast, the small late ones settle into it), and DJL's basic listeners.
   */
  public DefaultTrainingConfig config() {
    long epochsLeft = settings.epochs() - loader.startState().epoch();
    int updates = (int) Math.min(Integer.MAX_VALUE, epochsLeft * loader.batchesPerEpoch());
    Tracker rate =
        Tracker.cosine()
            .setBaseValue(settings.learningRate())
            .optFinalValue(settings.learningRate() / 100)
            .setMaxUpdates(Math.max(1, updates))
            .build();
    return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
        .addEvaluator(new Accuracy())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(rate).build())
        .addTrainingListeners(TrainingListener.Defaults.basic());
  }
}
