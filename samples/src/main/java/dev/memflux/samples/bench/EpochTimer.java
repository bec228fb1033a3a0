package dev.memflux.samples.bench;

import dev.memflux.core.Batch;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * Drains a multi-epoch stream of batches, closing each, and times runs of consecutive epochs: epoch
 * {@code k} lasts from the arrival of the last batch of epoch {@code k - 1} to the arrival of its
 * own last batch, so consecutive epochs tile the run with no gap and prefetch across a boundary is
 * counted where it is consumed. The first epochs include subscription, thread start and JIT
 * warm-up, and are dropped: memflux's use is one long-lived loader over many epochs.
 */
final class EpochTimer {

  private EpochTimer() {}

  /**
   * The timed epochs (all after the first {@code warmups}, at least 1) of {@code batches}, {@code
   * epochsPerRep} consecutive ones to a repetition (a last incomplete group is dropped), with
   * {@code rowBytes} per sample.
   */
  static List<Timing.Rep> epochs(
      Flux<Batch> batches, long rowBytes, int warmups, int epochsPerRep) {
    if (warmups < 1) {
      throw new IllegalArgumentException("the first epoch times the start: warmups >= 1");
    }
    List<long[]> perEpoch = new ArrayList<>(); // {samples, nanos of the last arrival}
    batches
        .doOnNext(
            b -> {
              long now = System.nanoTime();
              int epoch = (int) b.epoch();
              int size = b.size();
              b.close();
              while (perEpoch.size() <= epoch) {
                perEpoch.add(new long[2]);
              }
              long[] e = perEpoch.get(epoch);
              e[0] += size;
              e[1] = now;
            })
        .blockLast();
    List<Timing.Rep> reps = new ArrayList<>();
    for (int first = warmups; first + epochsPerRep <= perEpoch.size(); first += epochsPerRep) {
      long samples = 0;
      for (int k = first; k < first + epochsPerRep; k++) {
        samples += perEpoch.get(k)[0];
      }
      long end = perEpoch.get(first + epochsPerRep - 1)[1];
      double seconds = (end - perEpoch.get(first - 1)[1]) / 1e9;
      if (samples > 0 && seconds > 0) {
        reps.add(new Timing.Rep(samples, samples * rowBytes, seconds));
      }
    }
    return reps;
  }
}
