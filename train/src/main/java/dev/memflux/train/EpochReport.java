package dev.memflux.train;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one epoch of {@link Training#fit} measured. Loss and accuracies come from the trainer's
 * evaluator listener (as in {@code EasyTrain.fit}, with {@code TrainingListener.Defaults}); they
 * are {@code NaN} when the trainer has none, or when there was no validation.
 *
 * @param epoch the epoch number, as the loader counts it (from 0)
 * @param batches training batches of this epoch trained in this run
 * @param samples training samples of this epoch trained in this run
 * @param loss mean training loss
 * @param trainAccuracy training accuracy
 * @param validationLoss mean validation loss
 * @param validationAccuracy validation accuracy
 * @param seconds training time: from asking for each batch to finishing its step, summed
 * @param dataWaitSeconds the part of {@code seconds} spent waiting for a batch after asking for it
 * @param validationSeconds time spent validating after the epoch
 * @param evaluations every value the evaluator listener recorded, such as {@code train_loss}
 */
public record EpochReport(
    long epoch,
    long batches,
    long samples,
    double loss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double seconds,
    double dataWaitSeconds,
    double validationSeconds,
    Map<String, Float> evaluations) {

  /** Copies the evaluations in. */
  public EpochReport {
    evaluations = Map.copyOf(Objects.requireNonNull(evaluations, "evaluations"));
  }

  /** Training throughput: samples per second of training time. */
  public double samplesPerSecond() {
    return seconds > 0 ? samples / seconds : 0;
  }

  /**
   * The losses and accuracies that were measured, for people: {@code "loss 0.1234, train acc
   * 0.9500, val loss 0.2345, val acc 0.9100"}, leaving out what is {@code NaN} (accuracies of a
   * regression, validation figures of a run without validation).
   */
  public String figures() {
    StringBuilder s = new StringBuilder();
    append(s, "loss", loss);
    append(s, "train acc", trainAccuracy);
    append(s, "val loss", validationLoss);
    append(s, "val acc", validationAccuracy);
    return s.toString();
  }

  private static void append(StringBuilder s, String name, double value) {
    if (!Double.isNaN(value)) {
      s.append(s.length() == 0 ? "" : ", ")
          .append(name)
          .append(String.format(Locale.ROOT, " %.4f", value));
    }
  }

  /** The data stall: share of training time spent waiting for data, in percent. */
  public double dataWaitPercent() {
    return seconds > 0 ? 100 * dataWaitSeconds / seconds : 0;
  }
}
