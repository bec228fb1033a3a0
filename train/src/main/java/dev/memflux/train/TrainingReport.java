package dev.memflux.train;

import dev.memflux.core.tune.TuningReport;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcome of {@link Training#fit}: one {@link EpochReport} per epoch trained (the last may be
 * partial when the batches ended mid-epoch), the work of every pipeline stage, the batches in
 * flight between stages sampled over time, and the verdict on what limited the run.
 *
 * @param epochs per-epoch loss, accuracy, throughput and data wait
 * @param stoppedEarly true when an early-stopping listener ended the run
 * @param stages the pipeline stages in order, upstream first, ending with {@code train}
 * @param inFlight batches between consecutive stages, sampled periodically
 * @param bottleneck what limited the run, such as {@code "compute-bound: data wait 0.3%"}
 * @param seconds wall time of the whole run, validation included
 * @param firstBatchSeconds the pipeline's start-up: from the start of the run until the first batch
 *     was in hand (threads started, classes loaded, the first gather, augmentation and conversion
 *     on a cold JVM); not counted in any epoch, so an epoch's data wait says whether the pipeline
 *     keeps up once running
 * @param tuning the stage sizes the run's tuner chose and why ({@link
 *     TrainingOptions.Builder#tuning})
 */
public record TrainingReport(
    List<EpochReport> epochs,
    boolean stoppedEarly,
    List<StageReport> stages,
    List<FlightSample> inFlight,
    String bottleneck,
    double seconds,
    double firstBatchSeconds,
    TuningReport tuning) {

  /** Copies the lists in. */
  public TrainingReport {
    epochs = List.copyOf(epochs);
    stages = List.copyOf(stages);
    inFlight = List.copyOf(inFlight);
    Objects.requireNonNull(bottleneck, "bottleneck");
    Objects.requireNonNull(tuning, "tuning");
  }

  /** The last epoch's report. */
  public EpochReport lastEpoch() {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("no epoch was trained");
    }
    return epochs.get(epochs.size() - 1);
  }

  /** Data wait over the whole run as a percentage of training time. */
  public double dataWaitPercent() {
    return dataWaitPercent(epochs);
  }

  /**
   * Data wait over {@code epochs} as a percentage of their training time; the run needs it for the
   * bottleneck verdict before it can make the report.
   */
  static double dataWaitPercent(List<EpochReport> epochs) {
    double wait = 0;
    double time = 0;
    for (EpochReport e : epochs) {
      wait += e.dataWaitSeconds();
      time += e.seconds();
    }
    return time > 0 ? 100 * wait / time : 0;
  }

  /**
   * A few lines for a terminal: one per epoch, one per stage, the bottleneck, then the tuning (one
   * line per knob). An epoch's line shows the figures the trainer's evaluators produced: the
   * training loss, the validation loss when there was validation, and accuracies only when an
   * accuracy evaluator ran (never {@code NaN} for a regression).
   */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    for (EpochReport e : epochs) {
      String figures = e.figures();
      sb.append("epoch ").append(e.epoch()).append(": ").append(figures);
      sb.append(
          String.format(
              Locale.ROOT,
              (figures.isEmpty() ? "" : ", ")
                  + "%.0f samples/s, %.2f s, data wait %.2f s (%.1f%%)%n",
              e.samplesPerSecond(),
              e.seconds(),
              e.dataWaitSeconds(),
              e.dataWaitPercent()));
    }
    for (StageReport s : stages) {
      sb.append(
          String.format(
              Locale.ROOT,
              "stage %s: %d batches, busy %.2f s on %d worker(s), %.0f%%%n",
              s.name(),
              s.batches(),
              s.busySeconds(),
              s.workers(),
              100 * s.utilization()));
    }
    if (stoppedEarly) {
      sb.append("stopped early\n");
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "first batch after %.2f s (pipeline start-up, not in the data wait)%n",
            firstBatchSeconds));
    return sb.append(bottleneck).append('\n').append(tuning.summary()).toString();
  }
}
