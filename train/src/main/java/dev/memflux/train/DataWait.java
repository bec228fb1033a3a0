package dev.memflux.train;

/**
 * How long the trainer waited for data during one epoch (one pass of a {@link PipelineDataset}):
 * the time its thread spent waiting for the next batch, out of the epoch's training time.
 *
 * @param epoch the epoch of the pass's batches
 * @param batches batches trained
 * @param samples samples trained
 * @param seconds from the request of the first batch to the end of the pass, waiting included
 * @param waitSeconds the part of {@code seconds} spent waiting for a batch
 */
public record DataWait(long epoch, long batches, long samples, double seconds, double waitSeconds) {

  /** The share of the epoch spent waiting for data, in percent; 0 for an empty epoch. */
  public double percent() {
    return seconds > 0 ? 100 * waitSeconds / seconds : 0;
  }

  /** Samples trained per second of the epoch, waiting included. */
  public double samplesPerSecond() {
    return seconds > 0 ? samples / seconds : 0;
  }
}
