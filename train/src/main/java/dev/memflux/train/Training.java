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
 * <p>Each host batch is converted to NDArrays by a {@link Tensors} stage and trained on a dedicated
 * training thread ({@code memflux-train-N}, a daemon): forward, loss and backward with {@code
 * EasyTrain.trainBatch}, then {@code trainer.step()}, then the batch is closed. The training thread
 * is the only source of demand: it asks for {@link TrainingOptions#batchesAhead()} batches ahead,
 * and every stage before it reads only inside that demand. An epoch ends when a batch of the next
 * epoch ({@link Batch#epoch()}) arrives or the batches complete; then, as in {@code EasyTrain.fit},
 * the validation batches run, the listeners get {@code onEpoch} and, when configured, a {@link
 * Checkpoint} is saved.
 *
 * <p>Data wait: the time the training thread waited for its next batch, from being ready for it to
 * having it. It is reported per epoch ({@link EpochReport#dataWaitSeconds()}) and, batch by batch,
 * recorded in the trainer's {@code Metrics} (when it has one) as {@value #DATA_WAIT_METRIC}, in
 * nanoseconds, for live displays. The wait for the very first batch is the pipeline's start-up on a
 * cold JVM (threads, class loading, the first gather and augmentation), not a sign of a slow
 * pipeline: it is reported apart ({@link TrainingReport#firstBatchSeconds()}, metric {@value
 * #FIRST_BATCH_METRIC}) and epoch 0 starts when that batch is in hand.
 *
 * <p>Ending: the Mono completes with the report when the batches complete, or when a listener
 * throws DJL's {@code EarlyStoppedException} ({@link TrainingReport#stoppedEarly()}). An error in a
 * step, a listener, validation or upstream cancels the batches and ends the Mono with that error.
 * Disposing the subscription cancels the batches; the step in progress finishes first. On every
 * path every host buffer and NDArray the run holds is released. To resume, load a {@link
 * Checkpoint} and pass {@code loader.resumeFrom(checkpoint.state()).batches()}.
 */
public final class Training {

  /** The name of the trainer metric each batch's data wait is recorded under, in nanoseconds. */
  public static final String DATA_WAIT_METRIC = "data_wait";

  /** The name of the trainer metric the wait for the run's first batch is recorded under. */
  public static final String FIRST_BATCH_METRIC = "first_batch";

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
