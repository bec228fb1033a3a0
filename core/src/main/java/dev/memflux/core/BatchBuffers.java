package dev.memflux.core;

import java.nio.ByteBuffer;

/**
 * The pooled buffers of one batch while it is gathered, one per field: closed here unless handed
 * over in the finished {@link Batch}.
 */
final class BatchBuffers implements AutoCloseable {

  private final NpyArray[] fields;
  private final PooledBuffer[] buffers;

  private BatchBuffers(NpyArray[] fields, PooledBuffer[] buffers) {
    this.fields = fields;
    this.buffers = buffers;
  }

  /** Leases a buffer of {@code batchSize} rows for each field; all or none. */
  static BatchBuffers acquire(NpyArray[] fields, BufferPool pool, int batchSize) {
    PooledBuffer[] buffers = new PooledBuffer[fields.length];
    BatchBuffers leased = new BatchBuffers(fields, buffers);
    try {
      for (int f = 0; f < fields.length; f++) {
        buffers[f] = pool.acquire(Math.toIntExact(fields[f].rowBytes() * batchSize));
      }
    } catch (RuntimeException | Error e) {
      leased.close();
      throw e;
    }
    return leased;
  }

  /** Field {@code f}'s buffer: direct, native byte order, position 0. */
  ByteBuffer field(int f) {
    return buffers[f].buffer();
  }

  /** The batch of {@code plan} holding these buffers, which it now owns. */
  Batch toBatch(BatchPlanner.Planned plan) {
    int n = plan.indices().length;
    long[][] shapes = new long[fields.length][];
    DType[] types = new DType[fields.length];
    for (int f = 0; f < fields.length; f++) {
      long[] rowShape = fields[f].rowShape();
      long[] shape = new long[rowShape.length + 1];
      shape[0] = n;
      System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
      shapes[f] = shape;
      types[f] = fields[f].dtype().toNativeOrder();
    }
    return new Batch(
        plan.epoch(), plan.sequence(), plan.indices(), plan.after(), buffers, shapes, types);
  }

  /** Returns every leased buffer to the pool. */
  @Override
  public void close() {
    for (PooledBuffer b : buffers) {
      if (b != null) {
        b.close();
      }
    }
  }
}
