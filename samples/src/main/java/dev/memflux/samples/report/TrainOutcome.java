package dev.memflux.samples.report;

import dev.memflux.samples.job.ChannelStats;
import dev.memflux.samples.job.TrainSettings;
import dev.memflux.train.TrainingReport;
import java.util.List;
import java.util.Objects;

/**
 * What one {@code memflux train} run did, for its summary line, JSON and report.
 *
 * @param dataset the dataset's description line, as {@code DataSource.Dataset#description()}
 * @param settings the settings it ran with
 * @param stats the input standardisation used
 * @param firstEpoch the epoch it started in (later than 0 when resumed)
 * @param report what {@code Training.fit} measured
 * @param rateStages names of the stages whose rates were sampled over time
 * @param rates the stages' finished batches sampled over time
 */
public record TrainOutcome(
    String dataset,
    TrainSettings settings,
    ChannelStats stats,
    long firstEpoch,
    TrainingReport report,
    List<String> rateStages,
    List<RateSampler.Sample> rates) {

  /** Checks and copies the components. */
  public TrainOutcome {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(report, "report");
    rateStages = List.copyOf(rateStages);
    rates = List.copyOf(rates);
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
