package dev.memflux.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import dev.memflux.core.Batch;
import dev.memflux.core.StageException;
import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.Knob;
import dev.memflux.core.tune.TuningReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.MonoSink;

/**
 * One {@link Training#fit} run, on a training thread of its own: takes each converted batch from
 * the {@link TrainerFeed}, runs forward, loss, backward and the optimizer step, closes the batch,
 * and ends epochs ({@link Validation}, the listeners, {@link Checkpoints}); {@link EpochLedger}
 * keeps the accounting. It ends in {@link #finish}, the single way out.
 */
final class TrainingRun {

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

  private final Trainer trainer;
  private final Device device;
  private final MonoSink<TrainingReport> sink;
  private final Tensors tensors;
  private final TrainerFeed feed;
  private final Validation validation;
  private final Checkpoints checkpoints;
  private final EpochLedger ledger = new EpochLedger();
  private final Duration sampleInterval;
  private final StageMeter trainMeter;
  private final List<StageMeter> stages;
  private final TrainingOptions options;
  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicBoolean started = new AtomicBoolean();
  private @Nullable PipelineMonitor monitor; // made when the batches are subscribed
  private @Nullable TuningLoop tuning; // null when tuning is off
  private long firstBatchNanos = -1;

  /** When {@link #begin} subscribed: the first batch's wait counts from here. */
  private long beganNanos;

  // Data wait so far, epoch 0 onwards: written by the training thread, read by the tuner's.
  private final AtomicLong dataWaitNanos = new AtomicLong();
  private volatile boolean cancelled;

  TrainingRun(Trainer trainer, TrainingOptions options, MonoSink<TrainingReport> sink) {
    this.trainer = trainer;
    this.device = options.device().orElse(trainer.getDevices()[0]);
    this.sink = sink;
    this.options = options;
    this.tensors = tensors(trainer, options);
    Knob ahead = options.batchesAheadKnob();
    this.trainMeter = new StageMeter("train", 1, ahead);
    this.feed = new TrainerFeed("train", ahead, sink.contextView());
    this.validation =
        new Validation(trainer, options, tensors(trainer, options), sink.contextView());
    this.checkpoints = new Checkpoints(trainer.getModel(), options);
    this.stages = new ArrayList<>(options.stageMeters());
    stages.add(tensors.meter());
    stages.add(trainMeter);
    this.sampleInterval = options.sampleInterval();
  }

  private static Tensors tensors(Trainer trainer, TrainingOptions options) {
    Tensors.Builder b =
        Tensors.builder(trainer.getManager()).data(options.data()).labels(options.labels());
    @Nullable DataType[] casts = options.casts();
    for (int f = 0; f < casts.length; f++) {
      DataType cast = casts[f];
      if (cast != null) {
        b = b.cast(cast, f);
      }
    }
    return b.device(options.device().orElse(trainer.getDevices()[0]))
        .batchesAhead(options.batchesAhead())
        .build();
  }

  /**
   * Subscribes to {@code batches} and starts the training thread when the result is requested, so
   * nothing is read before; the outcome goes to the sink.
   */
  void start(Flux<Batch> batches) {
    sink.onCancel(this::cancel);
    sink.onRequest(
        n -> {
          if (!cancelled && started.compareAndSet(false, true)) {
            begin(batches);
          }
        });
  }

  private void begin(Flux<Batch> batches) {
    if (device.getDeviceType().equals(Device.Type.CPU)) {
      CpuTraining.warnIfKnownBad(trainer.getManager().getEngine());
    }
    monitor = new PipelineMonitor(stages, sampleInterval);
    beganNanos = System.nanoTime();
    if (options.tuning()) {
      tuning = new TuningLoop(stages, options.memoryBudget(), sampleInterval, dataWaitNanos::get);
    }
    tensors.convert(batches, released::countDown).subscribe(feed);
    // Grad mode is thread-local and DJL allows one gradient collector at a time: one thread does
    // every forward, backward and step. A daemon: a forgotten run must not keep the JVM alive.
    Thread thread = new Thread(this::run, "memflux-train-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    @Nullable Throwable error = null;
    boolean stoppedEarly = false;
    try {
      trainAll();
    } catch (EarlyStoppedException e) {
      stoppedEarly = true;
    } catch (Throwable t) {
      error = t;
    }
    finish(error, stoppedEarly);
  }

  /** Trains every batch the feed delivers, then ends the last epoch. */
  private void trainAll() throws Throwable {
    while (!cancelled) {
      long ready = System.nanoTime();
      TensorBatch batch = feed.take();
      if (batch == null) {
        break;
      }
      long waited = System.nanoTime() - ready;
      if (firstBatchNanos < 0) {
        // the pipeline's start-up on a cold JVM, from the subscription (the feed may have filled
        // before this thread ran), reported apart: epoch 0 starts from here
        firstBatchNanos = System.nanoTime() - beganNanos;
        waited = 0;
        trainer.addMetric(Training.FIRST_BATCH_METRIC, ready);
      } else {
        // For the trainer's Metrics (a progress display, say): the exact wait, in nanoseconds.
        trainer.addMetric(Training.DATA_WAIT_METRIC, ready);
        dataWaitNanos.addAndGet(waited);
      }
      feed.taken();
      train(batch, waited);
    }
    if (!cancelled && ledger.currentEpoch() >= 0) {
      named("the end of the last epoch", this::endEpoch);
    }
  }

  /**
   * Trains one batch (ending the epoch before it first, if it starts a new one), then closes it.
   */
  private void train(TensorBatch batch, long waited) {
    String work = "batch " + batch.sequence() + " of epoch " + batch.epoch();
    named(
        work,
        () -> {
          long start;
          try (batch) {
            if (ledger.endsCurrent(batch.epoch())) {
              endEpoch();
            }
            start = System.nanoTime();
            EasyTrain.trainBatch(trainer, batch);
            trainer.step();
            trainMeter.recordSince(start);
          }
          // the batch's training time: its wait, the step and the close, validation excluded
          ledger.trained(
              batch.epoch(), batch.getSize(), waited, waited + System.nanoTime() - start);
          checkpoints.trained(batch.epoch(), batch.state());
        });
  }

  /**
   * Runs {@code work}, naming the train stage in what it throws, unless a stage (validation) named
   * itself already; a listener stopping training early passes as it is.
   */
  private static void named(String what, Runnable work) {
    try {
      work.run();
    } catch (StageException | EarlyStoppedException e) {
      throw e;
    } catch (RuntimeException | Error e) {
      throw new StageException("train", what, e);
    }
  }

  /**
   * Ends the current epoch as {@code EasyTrain.fit} does: validation, then the listeners' epoch
   * notification (which may stop early), then the checkpoint.
   */
  private void endEpoch() {
    long epoch = ledger.currentEpoch();
    long start = System.nanoTime();
    validation.run(epoch);
    long validationNanos = System.nanoTime() - start;
    try {
      trainer.notifyListeners(listener -> listener.onEpoch(trainer));
    } finally {
      // even when a listener stops training, the epoch was trained and is reported and saved
      ledger.endEpoch(trainer.getTrainingResult(), validationNanos);
      checkpoints.epochEnded(epoch);
    }
  }

  /**
   * The single way out, on the training thread: stops the feed and closes what it holds, waits for
   * the tensor stage to release its own, then signals the outcome (unless the subscriber left).
   */
  private void finish(@Nullable Throwable error, boolean stoppedEarly) {
    PipelineMonitor monitor = Objects.requireNonNull(this.monitor, "subscribed");
    feed.stop();
    monitor.stop();
    TuningReport tuned =
        tuning != null
            ? tuning.stop()
            : TuningReport.none("off: the stage sizes stayed as set or defaulted");
    // the batches ended (or failed) mid-epoch: report the part that was trained
    ledger.endPartial();
    double seconds = monitor.seconds();
    List<StageReport> stages = monitor.stageReports(seconds);
    List<EpochReport> epochs = ledger.reports();
    TrainingReport report =
        new TrainingReport(
            epochs,
            stoppedEarly,
            stages,
            monitor.samples(),
            Bottleneck.verdict(stages, TrainingReport.dataWaitPercent(epochs)),
            seconds,
            Math.max(0, firstBatchNanos) / 1e9,
            tuned);
    try {
      released.await(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (cancelled) {
      return;
    }
    if (error != null) {
      sink.error(error);
    } else {
      sink.success(report);
    }
  }

  /** The subscriber of the result went away: stop after the step in progress. */
  private void cancel() {
    cancelled = true;
    feed.interrupt();
    validation.interrupt();
  }
}
