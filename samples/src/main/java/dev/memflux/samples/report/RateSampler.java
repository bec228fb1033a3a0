package dev.memflux.samples.report;

import dev.memflux.core.StageMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Samples how many batches each pipeline stage has finished, periodically, so a report can chart
 * each stage's rate over time (the training report has only their totals). Sampling starts at
 * construction and stops at {@link #close()}, after one last sample.
 */
public final class RateSampler implements AutoCloseable {

  /**
   * Batches finished by each stage since sampling started.
   *
   * @param seconds time since sampling started
   * @param completed per stage, in the order of {@link RateSampler#names()}
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

  private final List<StageMeter> meters;
  private final long[] start;
  private final long startNanos = System.nanoTime();
  private final List<Sample> samples = new ArrayList<>();
  private final Disposable ticks;

  /** Starts sampling {@code meters} every {@code interval}. */
  public RateSampler(List<StageMeter> meters, Duration interval) {
    this.meters = List.copyOf(meters);
    this.start = new long[meters.size()];
    for (int i = 0; i < start.length; i++) {
      start[i] = this.meters.get(i).completed();
    }
    sample();
    ticks = Flux.interval(interval, interval).subscribe(tick -> sample());
  }

  private void sample() {
    long[] completed = new long[start.length];
    for (int i = 0; i < completed.length; i++) {
      completed[i] = meters.get(i).completed() - start[i];
    }
    Sample s = new Sample((System.nanoTime() - startNanos) / 1e9, completed);
    synchronized (samples) {
      samples.add(s);
    }
  }

  /** The stage names, in the order of each sample's counts. */
  public List<String> names() {
    return meters.stream().map(StageMeter::name).toList();
  }

  /** The samples taken so far, oldest first. */
  public List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /** Stops sampling, after a last sample; idempotent. */
  @Override
  public void close() {
    if (!ticks.isDisposed()) {
      ticks.dispose();
      sample();
    }
  }
}
