package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.memflux.samples.data.SyntheticImages;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quickstart, verbatim but for the file locations and sizes, on synthetic data. */
class QuickstartTest {

  @TempDir Path dir;

  @Test
  void readmeQuickstartTrainsAndReports() throws Exception {
    SyntheticImages images = new SyntheticImages(1);
    images.writeNpy(2000, dir.resolve("train_x.npy"), dir.resolve("train_y.npy"));
    new SyntheticImages(2).writeNpy(500, dir.resolve("test_x.npy"), dir.resolve("test_y.npy"));

    TrainingReport report;
    // --- README quickstart, with paths under dir and 2 epochs ---
    try (NpyArray x = NpyArray.open(dir.resolve("train_x.npy"));
        NpyArray y = NpyArray.open(dir.resolve("train_y.npy"));
        NpyArray testX = NpyArray.open(dir.resolve("test_x.npy"));
        NpyArray testY = NpyArray.open(dir.resolve("test_y.npy"));
        Model model = Model.newInstance("mlp")) {
      Loader loader =
          Loader.builder(x, y)
              .batchSize(128)
              .shuffle(Shuffle.random(42))
              .epochs(2)
              .prefetch(4)
              .gatherThreads(2)
              .build();
      Augment augment =
          Augment.images(ImageLayout.CHW)
              .toFloat(1 / 255f)
              .horizontalFlip(0.5)
              .rotate(10)
              .seed(7)
              .parallelism(2);
      Loader test = Loader.builder(testX, testY).batchSize(500).build();
      Augment scale = Augment.images(ImageLayout.CHW).toFloat(1 / 255f);

      model.setBlock(
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
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
        report =
            Training.fit(
                    trainer,
                    loader.batches().transform(augment),
                    TrainingOptions.builder()
                        .validation(() -> test.batches().transform(scale))
                        .stageMeters(loader.gatherMeter(), augment.meter())
                        .build())
                .block();
        System.out.println(report.summary());
      }
      assertThat(loader.bufferPool().outstanding()).isZero();
    }
    // --- end of quickstart ---
    assertThat(report.epochs()).hasSize(2);
    assertThat(report.lastEpoch().samples()).isEqualTo(2000);
    assertThat(report.lastEpoch().validationAccuracy()).isGreaterThan(0.3);
    assertThat(report.summary()).contains("data wait");
  }
}
