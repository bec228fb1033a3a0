package dev.memflux.train;

import ai.djl.metric.Metrics;
import dev.memflux.core.StageMeter;
import java.util.concurrent.atomic.LongAdder;

/**
 * Times the training steps of the epoch in progress, live, for the progress display: how long the
 * training thread computed and how long it waited for data between steps. {@link ProgressListener}
 * installs it as the trainer's metrics.
 *
 * <p>{@code Training.fit} reports the exact figures only when the whole run ends, and a DJL
 * listener is told about a batch only after its backward pass, so the start of a step is not
 * visible to one. DJL's {@code Trainer} does report it, through its {@link Metrics}: {@code
 * "forward"} with the forward pass's duration as it ends, {@code "step"} as the optimizer step
 * ends. The time from the end of one step to the start of the next forward pass is the data wait,
 * as {@code Training.fit} counts it. Nothing is stored per batch, so a long run does not grow the
 * metrics without bound. All calls come from the training thread; {@link #meter()} may be read from
 * any thread.
 */
final class StepClock extends Metrics {

  private final StageMeter meter = new StageMeter("train", 1);
  private final LongAdder waitNanos = new LongAdder();
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
      case "forward" -> {
        forwardStart = now - value.longValue();
        long wait = Math.max(0, forwardStart - idleSince);
        epochWaitNanos += wait;
        waitNanos.add(wait);
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
