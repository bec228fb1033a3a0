package dev.memflux.train;

import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import dev.memflux.core.Batch;
import dev.memflux.core.InFlight;
import dev.memflux.core.LoaderState;
import dev.memflux.core.StageException;
import dev.memflux.core.StageMeter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * One {@link Training#fit} run: subscribes to the converted batches on the training thread and, for
 * each batch, runs forward, loss, backward and the optimizer step, closes the batch and only then
 * asks for the next one. Epoch ends, validation, listener notifications, checkpoints, accounting
 * and the release of everything on every way out live here too, because they all happen on the
 * training thread between two steps.
 */
final class TrainingRun extends BaseSubscriber<TensorBatch> {

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

  private final Trainer trainer;
  private final TrainingOptions options;
  private final MonoSink<TrainingReport> sink;
  // Grad mode is thread-local and DJL allows one gradient collector at a time: one thread does
  // every forward, backward and step. It is a plain thread so validation may block on it.
  private final Scheduler thread =
      Schedulers.newSingle(
          r -> {
            Thread t = new Thread(r, "memflux-train-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
  private final Tensors tensors;
  private final Tensors validationTensors;
  private final StageMeter trainMeter = new StageMeter("train", 1);
  private final PipelineMonitor monitor;
  private final InFlight<TensorBatch> delivered = new InFlight<>();
  private final Sinks.Empty<Void> released = Sinks.empty();
  private final List<EpochReport> epochs = new ArrayList<>();

  private Epoch epoch;
  private LoaderState lastState;
  private long batchesSinceCheckpoint;
  private long requestedAt;
  private boolean finished;

  TrainingRun(Trainer trainer, TrainingOptions options, MonoSink<TrainingReport> sink) {
    this.trainer = trainer;
    this.options = options;
    this.sink = sink;
    this.tensors = tensors(trainer, options);
    // a stage of its own, so validation conversions stay out of the convert meter and the report
    this.validationTensors = tensors(trainer, options);
    List<StageMeter> stages = new ArrayList<>(options.stageMeters());
    stages.add(tensors.meter());
    stages.add(trainMeter);
    this.monitor = new PipelineMonitor(stages, options.sampleInterval());
  }

  private static Tensors tensors(Trainer trainer, TrainingOptions options) {
    return Tensors.builder(trainer.getManager())
        .data(options.data())
        .labels(options.labels())
        .device(options.device().orElse(trainer.getDevices()[0]))
        .batchesAhead(options.batchesAhead())
        .build();
  }

  /** Subscribes to {@code batches}; the outcome goes to the sink. */
  void start(Flux<Batch> batches) {
    sink.onCancel(this::cancelRun);
    tensors
        .convert(batches, released::tryEmitEmpty)
        .doOnNext(delivered::add)
        .publishOn(thread, options.batchesAhead())
        .name("memflux.train")
        .tag("stage", "train")
        .subscribe(this);
  }

  /** The context of the Mono's subscriber, so a context written downstream reaches every stage. */
  @Override
  public Context currentContext() {
    return Context.of(sink.contextView());
  }

  @Override
  protected void hookOnSubscribe(Subscription subscription) {
    requestedAt = System.nanoTime();
    request(1);
  }

  @Override
  protected void hookOnNext(TensorBatch batch) {
    long arrived = System.nanoTime();
    delivered.remove(batch);
    try (batch) {
      if (finished) {
        return;
      }
      if (epoch != null && batch.epoch() != epoch.number) {
        endEpoch();
      }
      if (epoch == null) {
        epoch = new Epoch(batch.epoch());
      }
      long start = System.nanoTime();
      EasyTrain.trainBatch(trainer, batch);
      trainer.step();
      trainMeter.recordSince(start);
      epoch.add(batch.getSize(), arrived - requestedAt, System.nanoTime() - requestedAt);
      lastState = batch.state();
      batchesSinceCheckpoint++;
      if (options.checkpointEvery() > 0 && batchesSinceCheckpoint >= options.checkpointEvery()) {
        checkpoint(batch.epoch());
      }
    } catch (EarlyStoppedException e) {
      finish(null, true);
      return;
    } catch (RuntimeException | Error e) {
      finish(named(e, "train", "batch " + batch.sequence() + " of epoch " + batch.epoch()), false);
      return;
    }
    requestedAt = System.nanoTime();
    request(1);
  }

  @Override
  protected void hookOnComplete() {
    try {
      if (epoch != null) {
        endEpoch();
      }
      finish(null, false);
    } catch (EarlyStoppedException e) {
      finish(null, true);
    } catch (RuntimeException | Error e) {
      finish(named(e, "train", "the end of the last epoch"), false);
    }
  }

  @Override
  protected void hookOnError(Throwable error) {
    finish(error, false);
  }

  /**
   * Ends the current epoch as {@code EasyTrain.fit} does: validation, then the listeners' epoch
   * notification (which may stop early), then the checkpoint.
   */
  private void endEpoch() {
    Epoch ended = epoch;
    epoch = null;
    long start = System.nanoTime();
    validate(ended.number);
    ended.validationNanos = System.nanoTime() - start;
    try {
      trainer.notifyListeners(listener -> listener.onEpoch(trainer));
    } finally {
      // even when a listener stops training, the epoch was trained and is reported and saved
      epochs.add(ended.report(trainer.getTrainingResult()));
      if (options.checkpointDir().isPresent()) {
        checkpoint(ended.number);
      }
    }
  }

  /** {@code error} as a {@link StageException} naming the stage, unless some stage named it. */
  private static Throwable named(Throwable error, String stage, String work) {
    return error instanceof StageException ? error : new StageException(stage, work, error);
  }

  private void validate(long epochNumber) {
    try {
      runValidation(epochNumber);
    } catch (RuntimeException | Error e) {
      throw new StageException("validation", "the batches after epoch " + epochNumber, e);
    }
  }

  private void runValidation(long epochNumber) {
    Flux<Batch> batches = options.validation(epochNumber);
    if (batches == null) {
      return;
    }
    Sinks.Empty<Void> validationReleased = Sinks.empty();
    try (Stream<TensorBatch> stream =
        validationTensors
            .convert(batches, validationReleased::tryEmitEmpty)
            .doOnNext(delivered::add)
            .toStream(options.batchesAhead())) {
      stream.forEach(
          batch -> {
            delivered.remove(batch);
            try (batch) {
              EasyTrain.validateBatch(trainer, batch);
            }
          });
    } finally {
      // Closing the stream cancelled it when validation failed; its leftovers are released on the
      // conversion thread, and the epoch must not go on before that.
      validationReleased.asMono().block(RELEASE_TIMEOUT);
    }
  }

  private void checkpoint(long epochNumber) {
    if (lastState == null) {
      return;
    }
    Path dir = options.checkpointDir().orElseThrow();
    try {
      Checkpoint.save(
          trainer.getModel(),
          dir,
          options.checkpointName(),
          Math.toIntExact(epochNumber),
          lastState);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save checkpoint in " + dir, e);
    }
    batchesSinceCheckpoint = 0;
  }

  /**
   * The single way out, on the training thread: cancels upstream, closes every batch still held,
   * waits for the tensor stage to release its own, then signals the outcome.
   */
  private void finish(Throwable error, boolean stoppedEarly) {
    if (finished) {
      return;
    }
    stopAndCloseHeld();
    if (epoch != null) {
      // the batches ended (or failed) mid-epoch: report the part that was trained
      epochs.add(epoch.report(null));
      epoch = null;
    }
    double seconds = monitor.seconds();
    List<StageReport> stages = monitor.stageReports(seconds);
    TrainingReport report =
        new TrainingReport(
            epochs,
            stoppedEarly,
            stages,
            monitor.samples(),
            Bottleneck.verdict(stages, TrainingReport.dataWaitPercent(epochs)),
            seconds);
    released
        .asMono()
        .timeout(RELEASE_TIMEOUT, Mono.empty())
        .doFinally(
            signal -> {
              thread.disposeGracefully().subscribe();
              if (error != null) {
                sink.error(error);
              } else {
                sink.success(report);
              }
            })
        .subscribe();
  }

  /** The subscriber of the result went away: stop, and release once the current step is done. */
  private void cancelRun() {
    cancel();
    thread.schedule(
        () -> {
          stopAndCloseHeld();
          thread.disposeGracefully().subscribe();
        });
  }

  /** Cancels upstream, closes every batch delivered and not yet trained, stops the sampling. */
  private void stopAndCloseHeld() {
    finished = true;
    cancel();
    delivered.closeAll();
    monitor.stop();
  }

  /** Accounting of the epoch in progress. */
  private static final class Epoch {
    final long number;
    long batches;
    long samples;
    long waitNanos;
    long nanos;
    long validationNanos;

    Epoch(long number) {
      this.number = number;
    }

    void add(int size, long wait, long total) {
      batches++;
      samples += size;
      waitNanos += wait;
      nanos += total;
    }

    EpochReport report(TrainingResult result) {
      Map<String, Float> evaluations = result == null ? Map.of() : result.getEvaluations();
      return new EpochReport(
          number,
          batches,
          samples,
          value(evaluations, "train_loss"),
          value(evaluations, "train_Accuracy"),
          value(evaluations, "validate_loss"),
          value(evaluations, "validate_Accuracy"),
          nanos / 1e9,
          waitNanos / 1e9,
          validationNanos / 1e9,
          evaluations);
    }

    private static double value(Map<String, Float> evaluations, String key) {
      Float v = evaluations.get(key);
      return v == null ? Double.NaN : v;
    }
  }
}
