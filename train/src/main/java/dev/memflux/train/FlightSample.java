package dev.memflux.train;

/**
 * Batches in flight between consecutive pipeline stages at one moment of {@link Training#fit}:
 * finished by one stage and not yet by the next. Element {@code i} of {@link #inFlight()} sits
 * between stage {@code i} and {@code i + 1} of {@link TrainingReport#stages()}.
 *
 * @param seconds time since the run started
 * @param inFlight batches between each pair of consecutive stages
 */
public record FlightSample(double seconds, long[] inFlight) {

  /** Copies the counts in. */
  public FlightSample {
    inFlight = inFlight.clone();
  }

  /** The counts; a copy. */
  @Override
  public long[] inFlight() {
    return inFlight.clone();
  }
}
