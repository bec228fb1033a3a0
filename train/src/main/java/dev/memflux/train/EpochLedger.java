package dev.memflux.train;

import ai.djl.training.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The accounting of a training run, epoch by epoch: batches, samples, the training thread's time
 * and the part of it spent waiting for a batch. Used from the training thread only.
 */
final class EpochLedger {

  private final List<EpochReport> reports = new ArrayList<>();
  private @Nullable Epoch current;

  /** Whether a batch of {@code epoch} starts a new epoch after the one in progress. */
  boolean endsCurrent(long epoch) {
    return current != null && current.number != epoch;
  }

  /**
   * Counts one trained batch of {@code epoch}: {@code waitNanos} waiting for it, {@code nanos} in
   * all from being ready for it to being done with it.
   */
  void trained(long epoch, int samples, long waitNanos, long nanos) {
    if (current == null) {
      current = new Epoch(epoch);
    }
    current.batches++;
    current.samples += samples;
    current.waitNanos += waitNanos;
    current.nanos += nanos;
  }

  /** The epoch in progress, or -1. */
  long currentEpoch() {
    return current == null ? -1 : current.number;
  }

  /** Closes the epoch in progress with the trainer's result and its validation time. */
  void endEpoch(TrainingResult result, long validationNanos) {
    reports.add(
        Objects.requireNonNull(current, "an epoch in progress").report(result, validationNanos));
    current = null;
  }

  /** Closes an epoch the batches ended (or failed) in the middle of, if there is one. */
  void endPartial() {
    if (current != null) {
      reports.add(current.report(null, 0));
      current = null;
    }
  }

  /** The epochs closed so far. */
  List<EpochReport> reports() {
    return List.copyOf(reports);
  }

  private static final class Epoch {
    final long number;
    long batches;
    long samples;
    long waitNanos;
    long nanos;

    Epoch(long number) {
      this.number = number;
    }

    EpochReport report(@Nullable TrainingResult result, long validationNanos) {
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
