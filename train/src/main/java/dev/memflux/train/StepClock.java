package dev.memflux.train;

import ai.djl.metric.Metrics;
import dev.memflux.core.stage.StageMeter;
import java.util.concurrent.atomic.LongAdder;

/**
 * Times the training steps of the epoch in progress, live, for the progress display: how long the
 * training thread computed and how long it waited for data between steps. {@link ProgressListener}
 * installs it as the trainer's metrics.
 *
 * <p>{@code Training.fit} reports the exact figures only when the whole run ends, and a DJL
 * listener is told about a batch only after its backward pass. The trainer's {@link Metrics} hear
 * of every batch as it goes: {@code Training.fit} records each batch's wait under {@link
 * Training#DATA_WAIT_METRIC} (and the first batch's start-up under {@link
 * Training#FIRST_BATCH_METRIC}, which is no epoch's wait), and DJL's {@code Trainer} records {@code
 * "forward"} with the forward pass's duration as it ends and {@code "step"} as the optimizer step
 * ends. Under DJL's own loops, which record no wait, the time from the end of one step to the start
 * of the next forward pass is taken as the wait. Nothing is stored per batch, so a long run does
 * not grow the metrics without bound. All calls come from the training thread; {@link #meter()} and
 * {@link #waitSeconds()} may be read from any thread.
 */
final class StepClock extends Metrics {

  private final StageMeter meter = new StageMeter("train", 1);
  private final LongAdder waitNanos = new LongAdder();
  private long idleSince = System.nanoTime();
  private long forwardStart;
  private long epochNanos;
  private long epochWaitNanos;
  // Set once Training.fit reports the waits itself: the gap before a forward pass is then not one.
  private boolean exactWaits;

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
      case Training.DATA_WAIT_METRIC -> {
        exactWaits = true;
        addWait(value.longValue());
      }
      case Training.FIRST_BATCH_METRIC -> {
        // the run's first batch, after the pipeline's start-up: the epoch's time starts now
        exactWaits = true;
        idleSince = now;
      }
      case "forward" -> {
        forwardStart = now - value.longValue();
        if (!exactWaits) {
          addWait(Math.max(0, forwardStart - idleSince));
        }
      }
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

  private void addWait(long nanos) {
    epochWaitNanos += nanos;
    waitNanos.add(nanos);
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

  /** Seconds spent waiting for a batch since the clock was made; may be read from any thread. */
  double waitSeconds() {
    return waitNanos.sum() / 1e9;
  }

  /** Finished training steps, for the trainer's rate over time. */
  StageMeter meter() {
    return meter;
  }
}
