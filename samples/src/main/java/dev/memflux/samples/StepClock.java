package dev.memflux.samples;

import ai.djl.metric.Metrics;
import dev.memflux.core.StageMeter;
import dev.memflux.train.Training;

/**
 * Times the training steps of the epoch in progress, live, for the progress display: how long the
 * training thread computed and how long it waited for data between steps. Install with {@code
 * trainer.setMetrics(clock)}.
 *
 * <p>{@code Training.fit} reports the exact figures only when the whole run ends, and a DJL
 * listener is told about a batch only after its backward pass. The trainer's {@link Metrics} hear
 * of every batch as it goes: {@code Training.fit} records each batch's wait under {@link
 * Training#DATA_WAIT_METRIC}, and DJL's {@code Trainer} records {@code "forward"} with the forward
 * pass's duration as it ends and {@code "step"} as the optimizer step ends. Nothing is stored per
 * batch, so a long run does not grow the metrics without bound. All calls come from the training
 * thread; {@link #meter()} may be read from any thread.
 */
final class StepClock extends Metrics {

  private final StageMeter meter = new StageMeter("train", 1);
  private long idleSince = System.nanoTime();
  private long forwardStart;
  private long epochNanos;
  private long epochWaitNanos;

  /** Starts the clock for an epoch: what follows until the first forward pass is waiting. */
  void startEpoch() {
    idleSince = System.nanoTime();
    epochNanos = 0;
    epochWaitNanos = 0;
  }

  @Override
  public void addMetric(String name, Number value) {
    long now = System.nanoTime();
    switch (name) {
      case Training.DATA_WAIT_METRIC -> epochWaitNanos += value.longValue();
      // the run's first batch, after the pipeline's start-up: the epoch's time starts now
      case Training.FIRST_BATCH_METRIC -> idleSince = now;
      case "forward" -> forwardStart = now - value.longValue();
      case "step" -> {
        epochNanos += now - idleSince;
        meter.recordSince(forwardStart);
        idleSince = now;
      }
      default -> {
        // other timings (per-epoch totals of DJL's listeners) are not needed
      }
    }
  }

  /** Seconds of this epoch up to the end of its last step, waiting and computing. */
  double epochSeconds() {
    return epochNanos / 1e9;
  }

  /** As {@link #epochSeconds()}, plus the step in progress: for a report from inside a step. */
  double epochSecondsInStep() {
    return (epochNanos + System.nanoTime() - idleSince) / 1e9;
  }

  /** Seconds of this epoch spent waiting for a batch. */
  double epochWaitSeconds() {
    return epochWaitNanos / 1e9;
  }

  /** Finished training steps, for the trainer's rate over time. */
  StageMeter meter() {
    return meter;
  }
}
