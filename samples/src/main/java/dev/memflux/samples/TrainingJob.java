package dev.memflux.samples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.train.Checkpoint;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import reactor.core.Exceptions;

/**
 * Runs one training job: memory-mapped .npy files → {@link Loader} → {@link Augment} → {@code
 * Training.fit} with a {@link Models} block, softmax cross-entropy and Adam, validating on the test
 * split (standardised, never augmented) after every epoch. Everything it opens (arrays, model,
 * trainer) is closed before it returns or throws.
 *
 * <pre>{@code
 * TrainOutcome outcome = TrainingJob.run(settings, DataSource.defaults().resolve("auto"), printer);
 * }</pre>
 */
final class TrainingJob {

  /** Random-crop padding, in pixels: shifts of up to 1 pixel; garments are centred. */
  static final int CROP_PADDING = 1;

  /**
   * Largest random rotation, in degrees: small, since garments are photographed upright; 10 (and
   * 2-pixel shifts) left the CNN underfitting after 10 epochs.
   */
  static final double MAX_ROTATION = 3;

  // Validation does no backward pass: bigger batches make it faster at no cost in accuracy.
  private static final int VALIDATION_BATCH = 1000;
  private static final Duration RATE_INTERVAL = Duration.ofMillis(250);

  private TrainingJob() {}

  /**
   * Trains as {@code settings} say on {@code data}, showing progress on {@code printer}.
   *
   * @throws IOException when a file cannot be read, is not images (N, C, H, W) uint8 with int64
   *     labels, or the checkpoint to resume is missing or does not fit the model
   * @throws IllegalArgumentException when the settings do not fit the data or the checkpoint
   */
  static TrainOutcome run(TrainSettings settings, DataSource.Dataset data, ProgressPrinter printer)
      throws IOException {
    try (NpyArray x = NpyArray.open(data.trainX());
        NpyArray y = NpyArray.open(data.trainY());
        NpyArray testX = NpyArray.open(data.testX());
        NpyArray testY = NpyArray.open(data.testY())) {
      long[] image = imageShape(x, testX);
      int classes = classes(y, testY);
      ChannelStats stats = ChannelStats.of(x);
      Loader loader =
          Loader.builder(x, y)
              .batchSize(settings.batchSize())
              .shuffle(Shuffle.random(settings.seed()))
              .epochs(settings.epochs())
              .prefetch(settings.prefetch())
              .gatherThreads(settings.workers())
              .build();
      Loader testLoader =
          Loader.builder(testX, testY)
              .batchSize(VALIDATION_BATCH)
              .prefetch(settings.prefetch())
              .gatherThreads(settings.workers())
              .build();
      Augment trainImages = trainImages(settings, image, stats);
      Augment testImages =
          Augment.images(ImageLayout.CHW)
              .toFloat(1 / 255f)
              .normalize(stats.mean(), stats.std())
              .parallelism(settings.workers());
      CpuTraining.tune();
      // Parameter initialisation and dropout draw from the engine's generator.
      Engine.getInstance().setRandomSeed(Long.hashCode(settings.seed()));
      try (Model model = Model.newInstance(settings.model())) {
        model.setBlock(Models.block(settings.model(), classes));
        if (settings.resume() != null) {
          // A missing checkpoint is Checkpoint's NoSuchFileException, which names the file.
          loader =
              loader.resumeFrom(
                  Checkpoint.load(model, settings.resume(), settings.model()).state());
        }
        long firstEpoch = loader.startState().epoch();
        if (firstEpoch >= settings.epochs()) {
          throw new IllegalArgumentException(
              "--resume "
                  + settings.resume()
                  + ": the checkpoint has already trained "
                  + firstEpoch
                  + " epochs; ask for more with --epochs");
        }
        StepClock clock = new StepClock();
        DefaultTrainingConfig config =
            new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .addEvaluator(new Accuracy())
                .optOptimizer(
                    Optimizer.adam().optLearningRateTracker(learningRate(settings, loader)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(
                    new ProgressListener(
                        clock, printer, firstEpoch, settings.epochs(), loader.batchesPerEpoch()));
        try (Trainer trainer = model.newTrainer(config)) {
          trainer.setMetrics(clock);
          trainer.initialize(new Shape(1, image[0], image[1], image[2]));
          TrainingOptions.Builder options =
              TrainingOptions.builder()
                  .validation(() -> testLoader.batches().transform(testImages))
                  .stageMeters(loader.gatherMeter(), trainImages.meter());
          if (settings.checkpoint() != null) {
            options = options.checkpoints(settings.checkpoint(), settings.model());
          }
          RateSampler rates =
              new RateSampler(
                  List.of(loader.gatherMeter(), trainImages.meter(), clock.meter()), RATE_INTERVAL);
          TrainingReport report;
          try (rates) {
            clock.startEpoch();
            report = fit(trainer, loader, trainImages, options.build());
          }
          return new TrainOutcome(
              data.description(),
              settings,
              stats,
              firstEpoch,
              report,
              rates.names(),
              rates.samples());
        }
      }
    }
  }

  /**
   * Adam's rate decays along a cosine from {@code --lr} to 1% of it over the epochs still to train:
   * the large early steps find a good region fast, the small late ones settle into it.
   */
  private static Tracker learningRate(TrainSettings settings, Loader loader) {
    long epochsLeft = settings.epochs() - loader.startState().epoch();
    int updates = (int) Math.min(Integer.MAX_VALUE, epochsLeft * loader.batchesPerEpoch());
    return Tracker.cosine()
        .setBaseValue(settings.learningRate())
        .optFinalValue(settings.learningRate() / 100)
        .setMaxUpdates(Math.max(1, updates))
        .build();
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
    return augment
        .normalize(stats.mean(), stats.std())
        .seed(settings.seed())
        .parallelism(settings.workers());
  }

  private static TrainingReport fit(
      Trainer trainer, Loader loader, Augment augment, TrainingOptions options) throws IOException {
    try {
      return Training.fit(trainer, loader.batches().transform(augment), options).block();
    } catch (RuntimeException e) {
      // block() wraps checked exceptions; give callers back the IOException a file caused.
      if (Exceptions.unwrap(e) instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  /** The image shape (C, H, W) both splits share. */
  private static long[] imageShape(NpyArray train, NpyArray test) throws IOException {
    for (NpyArray a : List.of(train, test)) {
      if (a.ndim() != 4 || !ChannelStats.isUint8(a.dtype())) {
        throw new IOException(
            a.path()
                + ": expected uint8 images (N, C, H, W), found "
                + a.dtype()
                + " of shape "
                + IdxFile.shapeString(a.shape()));
      }
    }
    long[] shape = train.rowShape();
    if (!Arrays.equals(shape, test.rowShape())) {
      throw new IOException(
          test.path()
              + ": test images have shape "
              + IdxFile.shapeString(test.rowShape())
              + " but train images "
              + IdxFile.shapeString(shape));
    }
    return shape;
  }

  /** The class count: one more than the largest label, which must be int64 and not negative. */
  private static int classes(NpyArray train, NpyArray test) throws IOException {
    long max = 0;
    for (NpyArray labels : List.of(train, test)) {
      if (labels.dtype().kind() != DType.Kind.INT || labels.dtype().itemSize() != 8) {
        throw new IOException(
            labels.path()
                + ": expected int64 labels, found "
                + labels.dtype()
                + " (memflux convert idx --labels-int64 writes them)");
      }
      for (long i = 0; i < labels.rows(); i++) {
        long label = labels.getLong(i);
        if (label < 0) {
          throw new IOException(labels.path() + ": label " + label + " at row " + i + " < 0");
        }
        max = Math.max(max, label);
      }
    }
    if (max >= Integer.MAX_VALUE) {
      throw new IOException(train.path() + ": label " + max + " is too large for a class index");
    }
    return (int) max + 1;
  }
}
