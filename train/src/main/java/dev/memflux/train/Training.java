package dev.memflux.train;

import ai.djl.training.Trainer;
import dev.memflux.core.Batch;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Trains a DJL {@link Trainer} on a stream of host batches; the trainer's demand is the only demand
 * on the stream.
 *
 * <pre>{@code
 * Model model = Model.newInstance("mlp");
 * model.setBlock(new Mlp(784, 10, new int[] {128, 64}));
 * DefaultTrainingConfig config =
 *     new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
 *         .addEvaluator(new Accuracy())
 *         .addTrainingListeners(TrainingListener.Defaults.logging());
 * try (Trainer trainer = model.newTrainer(config)) {
 *   trainer.initialize(new Shape(1, 784));
 *   TrainingReport report = Training.fit(trainer, loader.batches(), TrainingOptions.builder()
 *       .validation(() -> testLoader.batches())
 *       .stageMeters(loader.gatherMeter())
 *       .build()).block();
 *   System.out.println(report.summary());
 * }
 * }</pre>
 *
 * <p>Each host batch is converted to NDArrays by a {@link Tensors} stage on its own thread, ahead
 * of the trainer, and trained on a dedicated training thread ({@code memflux-train-N}): forward,
 * loss and backward with {@code EasyTrain.trainBatch}, then {@code trainer.step()}; the batch is
 * closed before the next one is requested. An epoch ends when a batch of the next epoch ({@link
 * Batch#epoch()}) arrives or the batches complete; then, as in {@code EasyTrain.fit}, the
 * validation batches run, the listeners get {@code onEpoch} and, when configured, a {@link
 * Checkpoint} is saved.
 *
 * <p>Ending: the Mono completes with the report when the batches complete, or when a listener
 * throws DJL's {@code EarlyStoppedException} ({@link TrainingReport#stoppedEarly()}). An error in a
 * step, a listener, validation or upstream cancels the batches and ends the Mono with that error.
 * Disposing the subscription cancels the batches; the step in progress finishes first. On every
 * path every host buffer and NDArray the run holds is released. To resume, load a {@link
 * Checkpoint} and pass {@code loader.resumeFrom(checkpoint.state()).batches()}.
 */
public final class Training {

  private Training() {}

  /**
   * Trains {@code trainer} on {@code batches}, lazily: nothing happens until the Mono is
   * subscribed.
   *
   * @return the report, once training ended and everything was released
   */
  public static Mono<TrainingReport> fit(
      Trainer trainer, Flux<Batch> batches, TrainingOptions options) {
    Objects.requireNonNull(trainer, "trainer");
    Objects.requireNonNull(batches, "batches");
    Objects.requireNonNull(options, "options");
    return Mono.create(sink -> new TrainingRun(trainer, options, sink).start(batches));
  }

  /** As {@link #fit(Trainer, Flux, TrainingOptions)} with default options. */
  public static Mono<TrainingReport> fit(Trainer trainer, Flux<Batch> batches) {
    return fit(trainer, batches, TrainingOptions.builder().build());
  }
}
