package dev.memflux.core;

import java.nio.ByteBuffer;

/**
 * A lease on one {@link BufferPool} buffer. Close it exactly once when done; closing again does
 * nothing. Using {@link #buffer()} after close is a bug: the memory may already hold another batch.
 */
public final class PooledBuffer implements AutoCloseable {

  private final ByteBuffer buffer;
  private final BufferPool.Return release;
  private volatile boolean closed;

  PooledBuffer(ByteBuffer buffer, BufferPool.Return release) {
    this.buffer = buffer;
    this.release = release;
  }

  /**
   * The leased buffer: direct, native byte order. Its position and limit are the holder's to set.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public ByteBuffer buffer() {
    if (closed) {
      throw new IllegalStateException("pooled buffer already returned to its pool");
    }
    return buffer;
  }

  /** Names the stage now handing on the batch holding this lease, for the lost-lease warning. */
  void heldBy(String stage) {
    release.heldBy(stage);
  }

  /** Returns the buffer to its pool; later calls do nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      release.close();
    }
  }
}
