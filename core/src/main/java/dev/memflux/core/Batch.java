package dev.memflux.core;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of rows gathered from each field of a {@link Loader}, in pooled direct buffers.
 *
 * <p>Whoever receives a batch in {@code onNext} owns it and must {@link #close()} it exactly once
 * (closing again does nothing); closing returns its buffers to the pool. Operators that may drop a
 * batch should release it through {@code doOnDiscard(Batch.class, Batch::close)}.
 *
 * <pre>{@code
 * loader.batches().subscribe(batch -> {
 *   try (batch) {
 *     ByteBuffer images = batch.field(0);   // batch.size() rows, native byte order
 *     long[] shape = batch.fieldShape(0);   // {size, 1, 28, 28}
 *   }
 * });
 * }</pre>
 */
public final class Batch implements AutoCloseable {

  private final long epoch;
  private final long sequence;
  private final long[] indices;
  private final LoaderState state;
  private final PooledBuffer[] buffers;
  private final long[][] shapes;
  private final DType[] types;
  private volatile boolean closed;
  // The stage that last handed this batch on; batches start at the loader.
  private volatile String heldBy;

  Batch(
      long epoch,
      long sequence,
      long[] indices,
      LoaderState state,
      PooledBuffer[] buffers,
      long[][] shapes,
      DType[] types) {
    this.epoch = epoch;
    this.sequence = sequence;
    this.indices = indices;
    this.state = state;
    this.buffers = buffers;
    this.shapes = shapes;
    this.types = types;
    handedOnBy("loader");
  }

  /** Rows in this batch: the batch size, or fewer for the last batch of an epoch. */
  public int size() {
    return indices.length;
  }

  /** The epoch this batch belongs to, from 0. */
  public long epoch() {
    return epoch;
  }

  /** Position of this batch within its epoch (and shard), from 0. */
  public long sequence() {
    return sequence;
  }

  /** The sample ids (row numbers in the files) of this batch, in batch order; a copy. */
  public long[] indices() {
    return indices.clone();
  }

  /** The sample id at position {@code i} of this batch, without copying {@link #indices()}. */
  public long index(int i) {
    return indices[i];
  }

  /** The loader state just after this batch: resuming from it continues with the next sample. */
  public LoaderState state() {
    return state;
  }

  /** Number of fields (the arrays the loader was built with, in order). */
  public int fieldCount() {
    return buffers.length;
  }

  /**
   * The rows of field {@code i}: a view whose position..limit holds exactly this batch's rows in
   * native byte order. Each call returns a new view of the same memory.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public ByteBuffer field(int i) {
    ensureOpen();
    ByteBuffer b = buffers[i].buffer();
    return b.duplicate().order(b.order()).position(0).limit(Math.toIntExact(byteSize(i)));
  }

  /** Shape of field {@code i} in this batch: {@code size()} followed by the row shape; a copy. */
  public long[] fieldShape(int i) {
    return shapes[i].clone();
  }

  /** Element type of field {@code i}, always in native byte order. */
  public DType fieldType(int i) {
    return types[i];
  }

  /** Bytes held by field {@code i}: the product of its shape times its item size. */
  private long byteSize(int i) {
    return NpyHeader.byteSize(shapes[i], 0, types[i].itemSize());
  }

  /** {@link dev.memflux.core.stage.Batches#withField}, which stages call. */
  Batch withField(int i, PooledBuffer buffer, long[] shape, DType type) {
    Objects.requireNonNull(buffer, "buffer");
    Objects.requireNonNull(type, "type");
    if (shape.length == 0 || shape[0] != size()) {
      throw new IllegalArgumentException(
          "field shape must start with the batch size "
              + size()
              + ", was "
              + Arrays.toString(shape));
    }
    if (!type.isNativeOrder()) {
      throw new IllegalArgumentException("field type must be in native byte order, was " + type);
    }
    if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
      throw new IllegalArgumentException(
          "field shape must not be negative, was " + Arrays.toString(shape));
    }
    // Overflow throws: a wrapped product could otherwise pass the capacity check.
    long bytes = NpyHeader.byteSize(shape, 0, type.itemSize());
    if (bytes > buffer.buffer().capacity()) {
      throw new IllegalArgumentException(
          "buffer of "
              + buffer.buffer().capacity()
              + " bytes cannot hold shape "
              + Arrays.toString(shape)
              + " of "
              + type);
    }
    PooledBuffer[] newBuffers;
    synchronized (this) {
      ensureOpen();
      closed = true;
      newBuffers = buffers.clone();
    }
    PooledBuffer old = newBuffers[i];
    newBuffers[i] = buffer;
    long[][] newShapes = shapes.clone();
    newShapes[i] = shape.clone();
    DType[] newTypes = types.clone();
    newTypes[i] = type;
    old.close();
    return new Batch(epoch, sequence, indices, state, newBuffers, newShapes, newTypes)
        .handedOnBy(heldBy);
  }

  /** {@link dev.memflux.core.stage.Batches#retain}, which stages call. */
  Batch retain(int[] positions) {
    for (int k = 0; k < positions.length; k++) {
      if (positions[k] < 0
          || positions[k] >= size()
          || (k > 0 && positions[k] <= positions[k - 1])) {
        throw new IllegalArgumentException(
            "positions must be ascending within [0, "
                + size()
                + "), was "
                + Arrays.toString(positions));
      }
    }
    PooledBuffer[] moved;
    synchronized (this) {
      ensureOpen();
      closed = true;
      moved = buffers.clone();
    }
    long[] kept = new long[positions.length];
    for (int k = 0; k < positions.length; k++) {
      kept[k] = indices[positions[k]];
    }
    long[][] newShapes = new long[shapes.length][];
    for (int f = 0; f < moved.length; f++) {
      ByteBuffer b = moved[f].buffer();
      int rowBytes = Math.toIntExact(byteSize(f) / Math.max(1, size()));
      for (int k = 0; k < positions.length; k++) {
        if (positions[k] != k) {
          b.put(k * rowBytes, b, positions[k] * rowBytes, rowBytes);
        }
      }
      newShapes[f] = shapes[f].clone();
      newShapes[f][0] = positions.length;
    }
    return new Batch(epoch, sequence, kept, state, moved, newShapes, types.clone())
        .handedOnBy(heldBy);
  }

  /** {@link dev.memflux.core.stage.Batches#handedOnBy}, which stages call. */
  @CanIgnoreReturnValue
  Batch handedOnBy(String stage) {
    heldBy = Objects.requireNonNull(stage, "stage");
    for (PooledBuffer b : buffers) {
      b.heldBy(stage);
    }
    return this;
  }

  /**
   * True once closed, or moved into a new batch by a stage ({@link
   * dev.memflux.core.stage.Batches}).
   */
  public boolean isClosed() {
    return closed;
  }

  /** Returns every buffer to its pool. Closing again does nothing. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (PooledBuffer b : buffers) {
      b.close();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(
          "batch "
              + sequence
              + " of epoch "
              + epoch
              + " is closed: its buffers went back to the pool");
    }
  }

  @Override
  public String toString() {
    return "Batch[epoch=" + epoch + ", sequence=" + sequence + ", size=" + size() + "]";
  }
}
