package dev.memflux.samples;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A user's program: the README's quickstart copied verbatim into a {@code main}, reading the four
 * arrays from the working directory. It trains what {@code memflux train --model mlp --augment}
 * trains (the same network and augmentation, without the standardisation), so that the two can be
 * compared: {@code memflux bench --only quickstart} runs both, alternated, in JVMs of their own on
 * Fashion-MNIST, this one as a user's would run ({@code java -cp memflux.jar
 * dev.memflux.samples.Quickstart}, no flags). {@code QuickstartTest} runs it too.
 */
public final class Quickstart {

  /** The line printed as the last statement of {@link #main}. */
  public static final String RETURNED = "quickstart: main returned";

  private Quickstart() {}

  /**
   * Trains as the README's quickstart does.
   *
   * @param args none
   */
  @SuppressWarnings("NullAway") // block(): fit emits a report or fails; kept as the README shows it
  public static void main(String[] args) throws IOException {
    // --- README quickstart, verbatim ---
    CpuTraining.tune(); // PyTorch's threads and glibc's malloc for CPU training (see below)
    try (NpyArray x =
            NpyArray.open(Path.of("train_x.npy")); // (N, 1, 28, 28) uint8, mapped read-only
        NpyArray y = NpyArray.open(Path.of("train_y.npy")); // (N,) int64
        NpyArray testX = NpyArray.open(Path.of("test_x.npy"));
        NpyArray testY = NpyArray.open(Path.of("test_y.npy"));
        Model model = Model.newInstance("mlp")) {
      Loader loader =
          Loader.builder(x, y)
              .batchSize(128)
              .shuffle(Shuffle.random(42)) // or Shuffle.none(), Shuffle.blocks(blockRows, seed)
              .epochs(5)
              .prefetch(4) // gathered batches waiting for delivery, at most
              .gatherThreads(2)
              .build();
      Augment augment =
          Augment.images(ImageLayout.CHW)
              .toFloat(1 / 255f)
              .horizontalFlip(0.5)
              .rotate(3)
              .randomCrop(28, 1)
              .seed(7)
              .parallelism(2);
      Loader test = Loader.builder(testX, testY).batchSize(500).build();
      Augment scale = Augment.images(ImageLayout.CHW).toFloat(1 / 255f);

      model.setBlock(
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(256).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(128).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(10).build()));
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().build())
              .addEvaluator(new Accuracy())
              .addTrainingListeners(TrainingListener.Defaults.basic());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        TrainingReport report =
            Training.fit(
                    trainer,
                    loader.batches().transform(augment),
                    TrainingOptions.builder()
                        .validation(() -> test.batches().transform(scale)) // after each epoch
                        .stageMeters(loader.gatherMeter(), augment.meter())
                        .build())
                .block();
        System.out.println(
            report.summary()); // per-epoch loss, accuracy, samples/s, data wait, bottleneck
      }
    }
    // --- end of the quickstart ---
    System.out.println(RETURNED);
  }
}
