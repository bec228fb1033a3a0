package dev.memflux.samples.report;

import java.util.List;

/**
 * What a {@link TimelineRecorder} recorded of a training run, in seconds since it started.
 *
 * @param stages names of the sampled pipeline stages, in the order of each sample's counts
 * @param samples batches finished by each stage since the start, oldest first
 * @param epochs when each epoch of the run ended, in order
 */
public record Timeline(List<String> stages, List<Sample> samples, List<EpochMark> epochs) {

  /** Copies the lists in. */
  public Timeline {
    stages = List.copyOf(stages);
    samples = List.copyOf(samples);
    epochs = List.copyOf(epochs);
  }

  /**
   * Batches finished by each stage since the start.
   *
   * @param seconds time since the start
   * @param completed per stage, in the order of {@link Timeline#stages()}
   */
  public record Sample(double seconds, long[] completed) {

    /** Copies the counts in. */
    public Sample {
      completed = completed.clone();
    }

    /** The counts; a copy. */
    @Override
    public long[] completed() {
      return completed.clone();
    }
  }

  /**
   * The end of one epoch.
   *
   * @param validationStart when its validation started (its last training step ended), NaN when it
   *     was not validated
   * @param end when it ended, after validation
   */
  public record EpochMark(double validationStart, double end) {

    /** Whether the epoch was validated. */
    public boolean validated() {
      return !Double.isNaN(validationStart);
    }
  }
}
