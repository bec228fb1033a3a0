package dev.memflux.core;

import java.util.function.BiConsumer;

/**
 * Gathers each batch on the calling gather thread by copies from the fields' mappings: the fastest
 * path while the data sits in the page cache, where a batch costs the bytes it copies.
 */
final class MappedGatherer implements BatchGatherer {

  private final NpyArray[] fields;
  private final BufferPool pool;
  private final int batchSize;

  MappedGatherer(NpyArray[] fields, BufferPool pool, int batchSize) {
    this.fields = fields;
    this.pool = pool;
    this.batchSize = batchSize;
  }

  @Override
  public void gather(BatchPlanner.Planned plan, BiConsumer<Batch, Throwable> done) {
    Batch batch = null;
    try {
      batch = gatherNow(plan);
    } catch (Throwable t) {
      // A mapped-read fault can surface just after the read, with the batch already made.
      if (batch != null) {
        batch.close();
      }
      done.accept(null, t);
      return;
    }
    done.accept(batch, null);
  }

  private Batch gatherNow(BatchPlanner.Planned plan) {
    long[] ids = plan.indices();
    BatchBuffers buffers = BatchBuffers.acquire(fields, pool, batchSize);
    try {
      for (int f = 0; f < fields.length; f++) {
        fields[f].gather(ids, 0, ids.length, buffers.field(f));
      }
    } catch (RuntimeException | Error e) {
      buffers.close();
      throw e;
    }
    return buffers.toBatch(plan);
  }

  @Override
  public boolean completesInline() {
    return true;
  }

  @Override
  public void close() {}
}
