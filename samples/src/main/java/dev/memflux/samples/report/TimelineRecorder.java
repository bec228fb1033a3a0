package dev.memflux.samples.report;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.core.stage.StageMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Records a training run over time, for its charts and {@code report.json}: how many batches each
 * pipeline stage has finished, sampled periodically on a daemon thread of its own ({@code
 * memflux-timeline}), and, as a DJL listener, when each epoch's training ended and when the epoch
 * ended after its validation. The training report has only totals per epoch.
 *
 * <pre>{@code
 * TimelineRecorder recorder = new TimelineRecorder(meters, Duration.ofMillis(250));
 * config.addTrainingListeners(recorder);
 * ...
 * recorder.start();
 * try (recorder) {
 *   report = Training.fit(trainer, batches, options).block();
 * }
 * Timeline timeline = recorder.timeline();
 * }</pre>
 */
public final class TimelineRecorder extends TrainingListenerAdapter implements AutoCloseable {

  private final List<StageMeter> meters;
  private final Duration interval;
  private final long[] start;
  private final List<Timeline.Sample> samples = new ArrayList<>();
  private final List<Timeline.EpochMark> epochs = new ArrayList<>();
  private long startNanos;
  private @Nullable Scheduler thread; // while started
  private @Nullable Disposable ticks;
  // Listener state, touched by the training thread only.
  private double trainingEnd;
  private boolean validated;

  /**
   * A recorder of {@code meters}' finished batches, to be sampled every {@code interval} once
   * {@link #start() started}.
   */
  public TimelineRecorder(List<StageMeter> meters, Duration interval) {
    this.meters = List.copyOf(meters);
    this.interval = interval;
    this.start = new long[meters.size()];
  }

  /** Starts the clock and the sampling; the run's time axis begins here. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("the recorder was already started");
    }
    startNanos = System.nanoTime();
    for (int i = 0; i < start.length; i++) {
      start[i] = meters.get(i).completed();
    }
    sample();
    thread = Schedulers.newSingle("memflux-timeline", true);
    ticks = Flux.interval(interval, interval, thread).subscribe(tick -> sample());
  }

  private double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private void sample() {
    long[] completed = new long[start.length];
    for (int i = 0; i < completed.length; i++) {
      completed[i] = meters.get(i).completed() - start[i];
    }
    Timeline.Sample s = new Timeline.Sample(seconds(), completed);
    synchronized (samples) {
      samples.add(s);
    }
  }

  /** A training step ended: validation, if any, starts after the epoch's last one. */
  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    trainingEnd = seconds();
  }

  /** A validation batch ran: the epoch in progress is validated. */
  @Override
  public void onValidationBatch(Trainer trainer, BatchData batchData) {
    validated = true;
  }

  /** The epoch ended, after its validation. */
  @Override
  public void onEpoch(Trainer trainer) {
    double end = seconds();
    Timeline.EpochMark mark = new Timeline.EpochMark(validated ? trainingEnd : Double.NaN, end);
    synchronized (epochs) {
      epochs.add(mark);
    }
    trainingEnd = end;
    validated = false;
  }

  /** What was recorded so far. */
  public Timeline timeline() {
    synchronized (samples) {
      synchronized (epochs) {
        return new Timeline(
            meters.stream().map(StageMeter::name).toList(),
            List.copyOf(samples),
            List.copyOf(epochs));
      }
    }
  }

  /** Stops sampling, after a last sample, and ends the sampling thread; idempotent. */
  @Override
  public synchronized void close() {
    if (thread != null && !thread.isDisposed()) {
      if (ticks != null) {
        ticks.dispose();
      }
      thread.dispose();
      sample();
    }
  }
}
