package dev.memflux.samples.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/**
 * The two models the training benchmark runs on 1x28x28 uint8 images, identical for every way of
 * feeding them: a small MLP (784-128-64-10) and a small CNN (two 3x3 convolutions with 16 and 32
 * filters, each followed by 2x2 max pooling, then a linear layer). Both start by converting the
 * uint8 input to float32 in [0, 1], so every pipeline hands them the very same bytes.
 */
final class BenchModels {

  /** Which model. */
  enum Kind {
    /** Multi-layer perceptron. */
    MLP,
    /** Small convolutional network. */
    CNN;

    /** Lower-case name for the report. */
    String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private BenchModels() {}

  /**
   * A new model of {@code kind} with an SGD trainer initialised for batches of {@code batch}
   * images; the caller closes both.
   *
   * @param djlExecutor give the trainer DJL's default executor, which {@code EasyTrain.fit} uses to
   *     prefetch batches
   */
  static Trainer trainer(Model model, Kind kind, int batch, boolean djlExecutor) {
    model.setBlock(kind == Kind.MLP ? mlp() : cnn());
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
            .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).build());
    if (djlExecutor) {
      config = config.optExecutorService();
    }
    Trainer trainer = model.newTrainer(config);
    trainer.initialize(new Shape(batch, 1, 28, 28));
    return trainer;
  }

  private static Block toUnitFloat() {
    return new LambdaBlock(
        in -> new NDList(in.singletonOrThrow().toType(DataType.FLOAT32, false).div(255f)));
  }

  private static Block mlp() {
    return new SequentialBlock()
        .add(toUnitFloat())
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(64).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(10).build());
  }

  private static Block cnn() {
    return new SequentialBlock()
        .add(toUnitFloat())
        .add(conv(16))
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(conv(32))
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(10).build());
  }

  private static Block conv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }
}
