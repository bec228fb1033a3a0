package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training beyond image classification through {@link Training#fit}: a tabular regression on
 * float64 features and targets (cast to float32, L2 loss), and next-token prediction on windows of
 * a uint16 token stream (cast to int64). The reports show losses, validation loss included, and no
 * accuracy where none was measured.
 */
class BeyondImagesTest {

  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  @TempDir Path dir;

  /**
   * y = w . x + 0.3 + noise, with 8 float64 features uniform in [-1, 1), noise of standard
   * deviation 0.05: the best possible L2 loss (half the squared error) is about 0.00125.
   */
  @Test
  void aTabularRegressionOnFloat64ColumnsReachesItsStatedError() throws IOException {
    int n = 2000;
    int features = 8;
    double[] w = {0.5, -1.0, 0.25, 2.0, -0.75, 0.0, 1.5, -0.5};
    SplittableRandom random = new SplittableRandom(3);
    Path xPath = dir.resolve("features.npy");
    Path yPath = dir.resolve("targets.npy");
    try (NpyArray x = NpyArray.create(xPath, DType.FLOAT64, new long[] {n, features});
        NpyArray y = NpyArray.create(yPath, DType.FLOAT64, new long[] {n})) {
      for (int i = 0; i < n; i++) {
        double target = 0.3 + 0.05 * random.nextGaussian();
        for (int j = 0; j < features; j++) {
          double v = random.nextDouble(-1, 1);
          x.setDouble(v, i, j);
          target += w[j] * v;
        }
        y.setDouble(target, i);
      }
    }
    Engine.getInstance().setRandomSeed(1);
    try (NpyArray x = NpyArray.open(xPath);
        NpyArray y = NpyArray.open(yPath);
        Model model = Model.newInstance("regression", Device.cpu())) {
      NpyArray trainX = x.slice(0, 1600);
      NpyArray trainY = y.slice(0, 1600);
      Loader train =
          Loader.builder(trainX, trainY).batchSize(32).shuffle(Shuffle.random(5)).epochs(8).build();
      Loader validation = Loader.builder(x.slice(1600, n), y.slice(1600, n)).batchSize(400).build();
      model.setBlock(Linear.builder().setUnits(1).build());
      TrainingReport report =
          fit(model, Loss.l2Loss(), new Shape(1, features), DataType.FLOAT32, train, validation);

      EpochReport last = report.lastEpoch();
      // the noise alone gives 0.00125; the model gets within 60% of it (0.0014 here)
      assertThat(last.validationLoss()).as("validation L2 loss").isLessThan(0.002);
      assertThat(last.loss()).isLessThan(0.002);
      assertThat(last.trainAccuracy()).isNaN();
      assertThat(report.summary())
          .contains("epoch 7: loss ")
          .contains(", val loss ")
          .doesNotContain("acc")
          .doesNotContain("NaN");
    }
  }

  /**
   * Tokens of a vocabulary of 32 follow t[k + 1] = (5 t[k] + 3) mod 32 from random restarts (one in
   * 16 tokens starts afresh): the next token is known from the current one except at restarts, so a
   * model that sees one token can bring the loss far below the uniform ln(32) = 3.47.
   */
  @Test
  void aNextTokenModelOnUint16WindowsLearnsFarBelowTheUniformLoss() throws IOException {
    int vocab = 32;
    int n = 12_000;
    int block = 16;
    Path file = dir.resolve("train.bin"); // nanoGPT's np.memmap(dtype=np.uint16) layout
    SplittableRandom random = new SplittableRandom(11);
    ByteBuffer tokens = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    int t = 0;
    for (int k = 0; k < n; k++) {
      t = random.nextInt(16) == 0 ? random.nextInt(vocab) : (5 * t + 3) % vocab;
      tokens.putShort(2 * k, (short) t);
    }
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      out.write(tokens);
    }
    Engine.getInstance().setRandomSeed(2);
    try (NpyArray stream = NpyArray.openRaw(file, DType.parse("<u2"), new long[] {n}, 0);
        Model model = Model.newInstance("bigram", Device.cpu())) {
      NpyArray inputs = stream.slice(0, n - 1).windows(block, 1);
      NpyArray targets = stream.slice(1, n).windows(block, 1);
      Loader train =
          Loader.builder(inputs.slice(0, 10_000), targets.slice(0, 10_000))
              .batchSize(64)
              .shuffle(Shuffle.random(7))
              .epochs(2)
              .build();
      Loader validation =
          Loader.builder(inputs.slice(10_000, inputs.rows()), targets.slice(10_000, inputs.rows()))
              .batchSize(256)
              .build();
      model.setBlock(
          new SequentialBlock()
              .add(new LambdaBlock(list -> new NDList(list.singletonOrThrow().oneHot(vocab))))
              .add(Linear.builder().setUnits(vocab).build()));
      TrainingReport report =
          fit(model, new NextTokenLoss(), new Shape(1, block), DataType.INT64, train, validation);

      double uniform = Math.log(vocab);
      EpochReport last = report.lastEpoch();
      // one token in 16 is a random restart: (1/16) ln(32) = 0.22 at best; 0.5 here
      assertThat(last.validationLoss()).as("validation loss").isLessThan(uniform / 5);
      assertThat(report.epochs().get(0).loss()).isLessThan(uniform);
      assertThat(report.summary()).contains(", val loss ").doesNotContain("NaN");
    }
  }

  /** Adam at 0.05 on the CPU, both fields cast to {@code cast}, validated after every epoch. */
  private static TrainingReport fit(
      Model model, Loss loss, Shape input, DataType cast, Loader train, Loader validation) {
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss)
            .optDevices(new Device[] {Device.cpu()})
            .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.05f)).build())
            .addTrainingListeners(TrainingListener.Defaults.basic());
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(input);
      TrainingOptions options =
          TrainingOptions.builder().cast(cast, 0, 1).validation(validation::batches).build();
      return Training.fit(trainer, train.batches(), options).block(TIMEOUT);
    }
  }
}
