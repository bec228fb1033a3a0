package dev.memflux.samples.report;

import dev.memflux.core.IoChoice;
import dev.memflux.samples.job.ChannelStats;
import dev.memflux.samples.job.TrainSettings;
import dev.memflux.train.TrainingReport;
import java.util.Objects;

/**
 * What one {@code memflux train} run did, for its summary line, JSON and report.
 *
 * @param dataset the dataset's description line, as {@code DataSource.Dataset#description()}
 * @param settings the settings it ran with
 * @param stats the input standardisation used
 * @param firstEpoch the epoch it started in (later than 0 when resumed)
 * @param io how the loader read the training data, and why
 * @param report what {@code Training.fit} measured
 * @param timeline the stages' finished batches over time, and when each epoch ended
 */
public record TrainOutcome(
    String dataset,
    TrainSettings settings,
    ChannelStats stats,
    long firstEpoch,
    IoChoice io,
    TrainingReport report,
    Timeline timeline) {

  /** Checks and copies the components. */
  public TrainOutcome {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(io, "io");
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(timeline, "timeline");
  }

  /** Samples trained by this run, over every epoch. */
  long samples() {
    return report.epochs().stream().mapToLong(e -> e.samples()).sum();
  }

  /** Training throughput over the whole run: samples per second of training time. */
  double samplesPerSecond() {
    double seconds = report.epochs().stream().mapToDouble(e -> e.seconds()).sum();
    return seconds > 0 ? samples() / seconds : 0;
  }
}
