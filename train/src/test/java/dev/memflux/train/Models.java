package dev.memflux.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/** A small MLP and its trainer on the CPU, for fast training tests. */
final class Models {

  static final int FEATURES = 4;
  static final int CLASSES = 3;

  private Models() {}

  static Model mlp() {
    Model model = Model.newInstance("mlp", Device.cpu());
    model.setBlock(
        new SequentialBlock()
            .add(Linear.builder().setUnits(32).build())
            .add(Activation.reluBlock())
            .add(Linear.builder().setUnits(CLASSES).build()));
    return model;
  }

  /** A trainer with DJL's basic listeners (epochs, evaluators) plus {@code extra}. */
  static Trainer trainer(Model model, TrainingListener... extra) {
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
            .addEvaluator(new Accuracy())
            .optDevices(new Device[] {Device.cpu()})
            // plain SGD keeps no optimizer state, so live-array counts compare across runs
            .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.5f)).build())
            .addTrainingListeners(TrainingListener.Defaults.basic())
            .addTrainingListeners(extra);
    Trainer trainer = model.newTrainer(config);
    trainer.initialize(new Shape(1, FEATURES));
    return trainer;
  }
}
