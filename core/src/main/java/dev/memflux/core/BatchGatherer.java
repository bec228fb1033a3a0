package dev.memflux.core;

import java.util.function.BiConsumer;

/**
 * How one subscription of a {@link Loader} turns a planned batch into a {@link Batch}: by copies
 * from the mappings ({@link MappedGatherer}), or by many positional reads in flight ({@link
 * ReadingGatherer}). {@link GatherRun} decides when a batch may be gathered; this decides how.
 */
interface BatchGatherer extends AutoCloseable {

  /**
   * Gathers the rows of {@code plan} and calls {@code done} exactly once with the batch or with the
   * failure: before returning, on the calling gather thread, when {@link #completesInline()}; else
   * possibly later, on any thread. Never throws. The receiver owns the batch.
   */
  void gather(BatchPlanner.Planned plan, BiConsumer<Batch, Throwable> done);

  /**
   * Whether {@code done} always runs on the calling gather thread before {@link #gather} returns,
   * so the batch can be delivered right there; otherwise delivery is scheduled on a gather thread.
   */
  boolean completesInline();

  /**
   * Ends the subscription: work not started is skipped, and resources are released once the reads
   * in flight have finished; batches still completing go to their {@code done} as usual.
   */
  @Override
  void close();
}
