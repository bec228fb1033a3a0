package dev.memflux.samples.job;

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
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.samples.data.DataSource;
import dev.memflux.samples.report.TimelineRecorder;
import dev.memflux.samples.report.TrainOutcome;
import dev.memflux.train.Checkpoint;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.ProgressListener;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.Exceptions;

/**
 * Runs one training job: memory-mapped .npy files → {@link Loader} → {@link Augment} → {@code
 * Training.fit} with a {@link Classifiers} block, softmax cross-entropy and Adam, validating on the
 * test split (standardised, never augmented) after every epoch. Everything it opens (arrays, model,
 * trainer) is closed before it returns or throws.
 *
 * <pre>{@code
 * TrainOutcome outcome =
 *     TrainingJob.run(settings, DataSource.defaults().resolve("auto"), out, System.err::println);
 * }</pre>
 */
public final class TrainingJob {

  /** Random-crop padding, in pixels: shifts of up to 1 pixel; garments are centred. */
  static final int CROP_PADDING = 1;

  /**
   * Largest random rotation, in degrees: small, since garments are photographed upright; 10 (and
   * 2-pixel shifts) left the CNN underfitting after 10 epochs.
   */
  static final double MAX_ROTATION = 3;

  // Validation does no backward pass: bigger batches make it faster at no cost in accuracy.
  private static final int VALIDATION_BATCH = 1000;
  private static final Duration TIMELINE_INTERVAL = Duration.ofMillis(250);

  private TrainingJob() {}

  /**
   * Trains as {@code settings} say on {@code data}, showing progress on {@code out} (a bar redrawn
   * in place when the JVM has a console) and warnings on {@code warnings}: the damaged checkpoints
   * a resume skipped.
   *
   * @throws IOException when a file cannot be read, does not fit the model ({@link TrainInputs}),
   *     or no checkpoint to resume is intact or fits the model
   * @throws IllegalArgumentException when the settings do not fit the data or the checkpoint
   */
  public static TrainOutcome run(
      TrainSettings settings, DataSource.Dataset data, PrintWriter out, Consumer<String> warnings)
      throws IOException {
    try (NpyArray x = NpyArray.open(data.trainX());
        NpyArray y = NpyArray.open(data.trainY());
        NpyArray testX = NpyArray.open(data.testX());
        NpyArray testY = NpyArray.open(data.testY())) {
      TrainInputs inputs = TrainInputs.check(x, y, testX, testY, settings.model());
      long[] image = inputs.imageShape();
      ChannelStats stats = inputs.stats();
      Loader loader =
          Loader.builder(x, y)
              .batchSize(settings.batchSize())
              .shuffle(Shuffle.random(settings.seed()))
              .epochs(settings.epochs())
              .prefetch(settings.prefetch())
              .gatherThreads(settings.workers())
              .build();
      out.println("loader: " + loader.io());
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
        model.setBlock(Classifiers.block(settings.model(), inputs.classes()));
        if (settings.resume() != null) {
          // A missing checkpoint is Checkpoint's NoSuchFileException, which names the file.
          Checkpoint resumed = Checkpoint.load(model, settings.resume(), settings.model());
          for (String damaged : resumed.skipped()) {
            warnings.accept(
                "skipped a damaged checkpoint: " + damaged + "; resuming from " + resumed.params());
          }
          loader = loader.resumeFrom(resumed.state());
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
        ProgressListener progress =
            ProgressListener.builder(settings.epochs(), loader.batchesPerEpoch())
                .firstEpoch(firstEpoch)
                .output(out, ProgressListener.onTerminal())
                .build();
        TimelineRecorder timeline =
            new TimelineRecorder(
                List.of(loader.gatherMeter(), trainImages.meter(), progress.stepMeter()),
                TIMELINE_INTERVAL);
        DefaultTrainingConfig config =
            new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .addEvaluator(new Accuracy())
                .optOptimizer(
                    Optimizer.adam().optLearningRateTracker(learningRate(settings, loader)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(progress, timeline);
        try (Trainer trainer = model.newTrainer(config)) {
          trainer.initialize(new Shape(1, image[0], image[1], image[2]));
          TrainingOptions.Builder options =
              TrainingOptions.builder()
                  .validation(() -> testLoader.batches().transform(testImages))
                  .stageMeters(loader.gatherMeter(), trainImages.meter());
          if (settings.checkpoint() != null) {
            options = options.checkpoints(settings.checkpoint(), settings.model());
          }
          TrainingReport report;
          timeline.start();
          try (timeline) {
            report = fit(trainer, loader, trainImages, options.build());
          }
          return new TrainOutcome(
              data.description(),
              settings,
              stats,
              firstEpoch,
              loader.io(),
              report,
              timeline.timeline());
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
      return Training.fit(trainer, loader.batches().transform(augment), options)
          .blockOptional()
          .orElseThrow();
    } catch (RuntimeException e) {
      // block() wraps checked exceptions; give callers back the IOException a file caused.
      if (Exceptions.unwrap(e) instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }
}
