package dev.memflux.samples.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Runs one configuration a few times after warm-up and summarises it by the median repetition, with
 * the spread as the noise on these VMs is 10-50%.
 */
final class Timing {

  /**
   * What one repetition did.
   *
   * @param samples samples processed, 0 for a memory copy
   * @param bytes source bytes of those samples
   * @param seconds wall time
   * @param waitSeconds the part of {@code seconds} a trainer spent waiting for data, NaN without a
   *     trainer
   */
  record Rep(long samples, long bytes, double seconds, double waitSeconds) {

    /** A repetition without a trainer, where data wait does not apply. */
    Rep(long samples, long bytes, double seconds) {
      this(samples, bytes, seconds, Double.NaN);
    }
  }

  /** One repetition of a measured configuration. */
  @FunctionalInterface
  interface Body {
    Rep run() throws Exception;
  }

  /**
   * The median repetition's rates and data wait (percent of its time, NaN without a trainer), and
   * the spread of all repetitions' rates; samples per second is NaN when they count no samples.
   */
  record Summary(
      double samplesPerSec, double gbPerSec, double dataWaitPct, double spread, int reps) {}

  private Timing() {}

  /** Runs {@code warmups} untimed, then {@code reps} timed repetitions of {@code body}. */
  static Summary measure(int warmups, int reps, Body body) throws Exception {
    for (int i = 0; i < warmups; i++) {
      var unused = body.run(); // a warm-up: not timed
    }
    Rep[] done = new Rep[reps];
    for (int i = 0; i < reps; i++) {
      done[i] = body.run();
    }
    return summarize(List.of(done));
  }

  /** The median of {@code timed} repetitions (at least one) and their spread. */
  static Summary summarize(List<Rep> timed) {
    if (timed.isEmpty()) {
      throw new IllegalArgumentException("no timed repetition");
    }
    Rep[] done = timed.toArray(new Rep[0]);
    int reps = done.length;
    // Rank by rate, not by time: repetitions may differ in size (a capped last batch).
    Arrays.sort(done, (a, b) -> Double.compare(rate(a), rate(b)));
    Rep median = done[(reps - 1) / 2];
    double spread = (rate(done[reps - 1]) - rate(done[0])) / rate(median);
    return new Summary(
        median.samples() == 0 ? Double.NaN : median.samples() / median.seconds(),
        median.bytes() / median.seconds() / 1e9,
        100 * median.waitSeconds() / median.seconds(),
        spread,
        reps);
  }

  private static double rate(Rep r) {
    return r.bytes() / r.seconds();
  }

  /** Seconds since {@code startNanos}. */
  static double since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
