package dev.memflux.core;

import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Reusable direct buffers for batches, so a steady stream of batches allocates no new memory.
 *
 * <p>{@link #acquire(int)} hands out a {@link PooledBuffer} lease; closing the lease returns its
 * buffer. A lease that is lost without being closed (for example dropped from an operator queue
 * that does not call Reactor's discard hooks) is returned by a {@link Cleaner} once the garbage
 * collector finds it unreachable, so a lost lease can never be reused while someone still holds it.
 * Such a lease is a missed close: the first one lost after each stage logs one warning (through
 * {@link System.Logger}, so SLF4J or java.util.logging, whichever the application uses) naming the
 * stage that last handed the batch on, and {@link #reclaimed()} counts them all.
 *
 * <p>Memory in flight is bounded by what is leased, which the loader's demand bounds; idle buffers
 * kept for reuse are capped per size (16 unless given).
 */
public final class BufferPool {

  private static final Cleaner CLEANER = Cleaner.create();
  private static final System.Logger LOG = System.getLogger(BufferPool.class.getName());
  // Stages already named in a warning: one line per stage, however many batches it loses.
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private final int maxIdlePerSize;
  private final Map<Integer, ArrayDeque<ByteBuffer>> idle = new HashMap<>();
  private final AtomicLong allocated = new AtomicLong();
  private final AtomicLong leased = new AtomicLong();
  private final AtomicLong returned = new AtomicLong();
  private final AtomicLong reclaimed = new AtomicLong();

  /** A pool keeping at most 16 idle buffers of each size. */
  public BufferPool() {
    this(16);
  }

  /**
   * @param maxIdlePerSize how many returned buffers of one size to keep for reuse
   */
  public BufferPool(int maxIdlePerSize) {
    if (maxIdlePerSize < 0) {
      throw new IllegalArgumentException("maxIdlePerSize must be >= 0, was " + maxIdlePerSize);
    }
    this.maxIdlePerSize = maxIdlePerSize;
  }

  /**
   * Leases a direct buffer in native byte order with position 0 and limit {@code bytes}. Its
   * contents are whatever the previous user left: callers overwrite what they read.
   */
  public PooledBuffer acquire(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
    ByteBuffer buffer;
    synchronized (idle) {
      ArrayDeque<ByteBuffer> free = idle.get(bytes);
      buffer = free == null ? null : free.pollFirst();
    }
    if (buffer == null) {
      buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
      allocated.incrementAndGet();
    }
    buffer.clear();
    leased.incrementAndGet();
    Return action = new Return(this, buffer);
    PooledBuffer lease = new PooledBuffer(buffer, action);
    action.cleanable = CLEANER.register(lease, action);
    return lease;
  }

  /** Buffers leased and not yet returned. Zero once every batch has been closed or reclaimed. */
  public long outstanding() {
    return leased.get() - returned.get();
  }

  /** Buffers allocated since the pool was made; flat in steady state. */
  public long allocated() {
    return allocated.get();
  }

  /** Leases returned by the garbage collector rather than closed: each one is a missed close. */
  public long reclaimed() {
    return reclaimed.get();
  }

  private void giveBack(ByteBuffer buffer, @Nullable String lostAfter) {
    if (lostAfter != null) {
      reclaimed.incrementAndGet();
      warnOnce(lostAfter);
    }
    synchronized (idle) {
      ArrayDeque<ByteBuffer> free =
          idle.computeIfAbsent(buffer.capacity(), k -> new ArrayDeque<>());
      if (free.size() < maxIdlePerSize) {
        free.addFirst(buffer);
      }
    }
    returned.incrementAndGet();
  }

  private static void warnOnce(String stage) {
    if (WARNED.add(stage)) {
      LOG.log(
          Level.WARNING,
          "memflux: a batch handed on by the "
              + stage
              + " stage was never closed; the garbage collector returned its buffers."
              + " An operator after "
              + stage
              + " dropped it without a discard hook: close every batch received in onNext and"
              + " add .doOnDiscard(Batch.class, Batch::close) after operators that drop batches"
              + " (filter, take, timeout...). Logged once per stage; BufferPool.reclaimed()"
              + " counts every such batch.");
    }
  }

  /** Runs once per lease: on close, or from the Cleaner when the lease was lost. */
  static final class Return implements Runnable {
    private final BufferPool pool;
    private final ByteBuffer buffer;
    private Cleaner.@Nullable Cleanable cleanable; // registered right after, with the lease
    private volatile boolean closedExplicitly;
    // The stage that last handed on the batch holding this lease, named if the lease is lost.
    // Kept here, not in the lease, which must become unreachable for the Cleaner to run.
    private volatile String holder = "unnamed";

    Return(BufferPool pool, ByteBuffer buffer) {
      this.pool = pool;
      this.buffer = buffer;
    }

    void close() {
      closedExplicitly = true;
      Objects.requireNonNull(cleanable, "cleanable").clean();
    }

    void heldBy(String stage) {
      holder = stage;
    }

    @Override
    public void run() {
      pool.giveBack(buffer, closedExplicitly ? null : holder);
    }
  }
}
