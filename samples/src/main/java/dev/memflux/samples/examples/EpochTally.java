package dev.memflux.samples.examples;

import dev.memflux.core.Batch;
import dev.memflux.core.Loader;
import java.io.PrintStream;
import java.util.BitSet;
import java.util.Locale;

/**
 * Reads every batch of a loader and prints, per epoch, how many rows came and whether each sample
 * came exactly once: what the layout examples show of a loader over their arrays.
 */
final class EpochTally {

  private EpochTally() {}

  /**
   * Prints one line per epoch, {@code "epoch 0: 15 rows in 4 batches, each sample once"}.
   *
   * @return the rows delivered over all epochs
   */
  static long print(Loader loader, PrintStream out) {
    long total = 0;
    long epoch = -1;
    long rows = 0;
    long batches = 0;
    BitSet seen = new BitSet();
    boolean repeated = false;
    for (Batch batch : loader.batches().toIterable()) {
      try (batch) {
        if (batch.epoch() != epoch) {
          if (epoch >= 0) {
            line(out, epoch, rows, batches, repeated, seen, loader);
          }
          epoch = batch.epoch();
          rows = 0;
          batches = 0;
          seen.clear();
          repeated = false;
        }
        for (long id : batch.indices()) {
          repeated |= seen.get((int) id);
          seen.set((int) id);
        }
        rows += batch.size();
        total += batch.size();
        batches++;
      }
    }
    if (epoch >= 0) {
      line(out, epoch, rows, batches, repeated, seen, loader);
    }
    return total;
  }

  private static void line(
      PrintStream out,
      long epoch,
      long rows,
      long batches,
      boolean repeated,
      BitSet seen,
      Loader loader) {
    boolean complete = !repeated && seen.cardinality() == loader.samplesPerEpoch();
    out.println(
        String.format(
            Locale.ROOT,
            "epoch %d: %d rows in %d batches, %s",
            epoch,
            rows,
            batches,
            complete ? "each sample once" : "NOT each sample once"));
  }
}
