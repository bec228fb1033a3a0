package dev.memflux.samples.examples;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A tabular regression: float64 features {@code (n, d)} and float64 targets {@code (n,)} as pandas
 * and numpy write them ({@code np.save("features.npy", df.to_numpy())}), cast to float32 on
 * conversion, a linear model with L2 loss, the last 10% of the rows for validation. The report
 * shows the training and validation losses, and no accuracy: a regression has none.
 *
 * <pre>
 * java -cp memflux.jar dev.memflux.samples.examples.RegressionExample features.npy targets.npy
 * </pre>
 */
public final class RegressionExample {

  private RegressionExample() {}

  /**
   * Trains eight epochs and prints the report.
   *
   * @param args the features' and the targets' .npy files
   */
  public static void main(String[] args) throws IOException {
    System.setProperty("ai.djl.offline", "true"); // before DJL loads: never reach the network
    System.setProperty("OPT_OUT_TRACKING", "true");
    CpuTraining.tune(); // PyTorch's threads and glibc's malloc for CPU training
    run(Path.of(args[0]), Path.of(args[1]), 8, System.out);
  }

  /** Trains {@code epochs} epochs and prints the report. */
  @CanIgnoreReturnValue // printed to out; returned for the tests
  static TrainingReport run(Path featuresFile, Path targetsFile, int epochs, PrintStream out)
      throws IOException {
    try (NpyArray x = NpyArray.open(featuresFile); // float64 (n, d)
        NpyArray y = NpyArray.open(targetsFile); // float64 (n,)
        Model model = Model.newInstance("regression")) {
      long n = x.rows() * 9 / 10;
      Loader train =
          Loader.builder(x.slice(0, n), y.slice(0, n))
              .batchSize(32)
              .shuffle(Shuffle.random(5))
              .epochs(epochs)
              .build();
      Loader validation =
          Loader.builder(x.slice(n, x.rows()), y.slice(n, y.rows())).batchSize(256).build();
      model.setBlock(Linear.builder().setUnits(1).build());
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.l2Loss()) // half the squared error
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.05f)).build())
              .addTrainingListeners(TrainingListener.Defaults.basic());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1, x.shape()[1]));
        TrainingOptions options =
            TrainingOptions.builder()
                .cast(DataType.FLOAT32, 0, 1) // float64 features and targets, as the model computes
                .validation(validation::batches)
                .stageMeters(train.gatherMeter())
                .build();
        TrainingReport report =
            Training.fit(trainer, train.batches(), options).blockOptional().orElseThrow();
        out.println(report.summary());
        return report;
      }
    }
  }
}
