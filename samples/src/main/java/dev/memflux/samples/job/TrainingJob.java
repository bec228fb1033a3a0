package dev.memflux.samples.job;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
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
 * Runs one training job: memory-mapped .npy files → {@link TrainPipeline} (loader, augmentation,
 * trainer configuration) → {@code Training.fit} with a {@link Classifiers} block, validating on the
 * test split (standardised, never augmented) after every epoch. Everything it opens (arrays, model,
 * trainer) is closed before it returns or throws.
 *
 * <pre>{@code
 * TrainOutcome outcome =
 *     TrainingJob.run(settings, DataSource.defaults().resolve("auto"), out, System.err::println);
 * }</pre>
 */
public final class TrainingJob {

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
      TrainPipeline pipeline = TrainPipeline.of(settings, x, y, stats, b -> b);
      out.println("loader: " + pipeline.loader().io());
      // Validation is not tuned: it runs as set, or on every processor.
      int workers =
          settings.workers() == TrainSettings.TUNED
              ? Runtime.getRuntime().availableProcessors()
              : settings.workers();
      Loader testLoader =
          Loader.builder(testX, testY)
              .batchSize(VALIDATION_BATCH)
              .prefetch(
                  settings.prefetch() == TrainSettings.TUNED
                      ? TrainSettings.DEFAULT_PREFETCH
                      : settings.prefetch())
              .gatherThreads(workers)
              .build();
      Augment testImages =
          Augment.images(ImageLayout.CHW)
              .toFloat(1 / 255f)
              .normalize(stats.mean(), stats.std())
              .parallelism(workers);
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
          pipeline = pipeline.resumeFrom(resumed.state());
        }
        Loader loader = pipeline.loader();
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
                List.of(loader.gatherMeter(), pipeline.images().meter(), progress.stepMeter()),
                TIMELINE_INTERVAL);
        DefaultTrainingConfig config = pipeline.config().addTrainingListeners(progress, timeline);
        try (Trainer trainer = model.newTrainer(config)) {
          trainer.initialize(new Shape(1, image[0], image[1], image[2]));
          TrainingOptions.Builder options =
              pipeline.options().validation(() -> testLoader.batches().transform(testImages));
          if (settings.checkpoint() != null) {
            options = options.checkpoints(settings.checkpoint(), settings.model());
          }
          TrainingReport report;
          timeline.start();
          try (timeline) {
            report = fit(trainer, pipeline, options.build());
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

  private static TrainingReport fit(
      Trainer trainer, TrainPipeline pipeline, TrainingOptions options) throws IOException {
    try {
      return Training.fit(trainer, pipeline.batches(), options).blockOptional().orElseThrow();
    } catch (RuntimeException e) {
      // block() wraps checked exceptions; give callers back the IOException a file caused.
      if (Exceptions.unwrap(e) instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }
}
