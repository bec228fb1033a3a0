package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable direct buffers that reads land in before their bytes are copied to the batch: always for
 * {@code O_DIRECT} reads, which need aligned memory, file offsets and lengths, and for runs of rows
 * that go to scattered places in the batch. Two sizes, aligned to the file system's block: a small
 * one for single rows and a large one of {@link #largeBytes()}. Each reading thread holds at most
 * one at a time, so the buffers in use never exceed the read threads, and the idle ones kept are
 * capped at as many.
 */
final class ReadBuffers {

  private static final int SMALL = 64 << 10;

  private final int alignment;
  private final int largeBytes;
  private final int maxIdle;
  private final ConcurrentLinkedQueue<ByteBuffer> small = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<ByteBuffer> large = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleSmall = new AtomicInteger();
  private final AtomicInteger idleLarge = new AtomicInteger();

  /**
   * @param alignment the file system's block size (a power of two), or 1 for page-cache reads
   * @param largeBytes the largest read, a multiple of {@code alignment}
   * @param maxIdle buffers of each size kept for reuse: the number of reading threads
   */
  ReadBuffers(int alignment, int largeBytes, int maxIdle) {
    this.alignment = alignment;
    this.largeBytes = largeBytes;
    this.maxIdle = maxIdle;
  }

  /** The most bytes one buffer holds (for an aligned read: including the alignment slack). */
  int largeBytes() {
    return largeBytes;
  }

  /** The block size reads must be aligned to; 1 when any offset and length will do. */
  int alignment() {
    return alignment;
  }

  /** A buffer of at least {@code bytes}, aligned, position 0, limit its capacity. */
  ByteBuffer take(int bytes) {
    if (bytes > largeBytes) {
      throw new IllegalArgumentException(bytes + " bytes exceed the largest read " + largeBytes);
    }
    boolean isSmall = bytes <= SMALL;
    ByteBuffer b = (isSmall ? small : large).poll();
    if (b != null) {
      (isSmall ? idleSmall : idleLarge).decrementAndGet();
      return b.clear();
    }
    int capacity = isSmall ? Math.min(SMALL, largeBytes) : largeBytes;
    return ByteBuffer.allocateDirect(capacity + alignment - 1).alignedSlice(alignment);
  }

  /** Gives a buffer from {@link #take} back for reuse. */
  void give(ByteBuffer b) {
    boolean isSmall = b.capacity() < largeBytes || largeBytes <= SMALL;
    AtomicInteger idle = isSmall ? idleSmall : idleLarge;
    if (idle.incrementAndGet() <= maxIdle) {
      (isSmall ? small : large).offer(b);
    } else {
      idle.decrementAndGet();
    }
  }
}
