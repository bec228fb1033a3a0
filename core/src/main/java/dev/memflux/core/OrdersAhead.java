package dev.memflux.core;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The sample orders of one subscription's epochs, for shuffles that materialise them. Taking an
 * epoch's order starts computing the next epoch's on a gather thread, so a new epoch need not wait
 * for its shuffle: a Fisher–Yates permutation of 16M rows takes ~0.4 s, which the gather threads
 * would otherwise sit out at every epoch start. Two materialised orders are then held throughout (8
 * bytes a row): the current one and the next. Orders are a pure function of the epoch, so where
 * they are computed changes nothing else.
 */
final class OrdersAhead {

  private final LongFunction<SampleOrder> compute;
  private final long epochs;
  private final Executor threads;
  private @Nullable Ahead next;
  private boolean closed;

  /**
   * Orders of epochs below {@code epochs}, each made by {@code compute}; the ones ahead on {@code
   * threads}.
   */
  OrdersAhead(LongFunction<SampleOrder> compute, long epochs, Executor threads) {
    this.compute = compute;
    this.epochs = epochs;
    this.threads = threads;
  }

  /**
   * The order of {@code epoch}; called by one thread at a time, with epochs in increasing order.
   */
  SampleOrder order(long epoch) {
    Ahead ahead = take();
    @Nullable SampleOrder order = null;
    if (ahead != null && ahead.epoch == epoch) {
      order = ahead.result();
    } else if (ahead != null) {
      ahead.abandon();
    }
    if (order == null) {
      order = compute.apply(epoch);
    }
    if (epoch + 1 < epochs) {
      start(epoch + 1);
    }
    return order;
  }

  /** Stops computing ahead: a computation not yet started never will. */
  synchronized void close() {
    closed = true;
    if (next != null) {
      next.abandon();
      next = null;
    }
  }

  private synchronized @Nullable Ahead take() {
    Ahead ahead = next;
    next = null;
    return ahead;
  }

  private synchronized void start(long epoch) {
    if (closed) {
      return;
    }
    Ahead ahead = new Ahead(epoch);
    try {
      threads.execute(ahead::run);
      next = ahead;
    } catch (RejectedExecutionException e) {
      // No thread to compute it on: the epoch computes its own order when it starts.
    }
  }

  /** One order computed ahead. */
  private final class Ahead {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int ABANDONED = 2;

    final long epoch;
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final CompletableFuture<@Nullable SampleOrder> order = new CompletableFuture<>();

    Ahead(long epoch) {
      this.epoch = epoch;
    }

    void run() {
      if (!state.compareAndSet(QUEUED, RUNNING)) {
        return;
      }
      try {
        order.complete(compute.apply(epoch));
      } catch (Throwable t) {
        order.completeExceptionally(t);
      }
    }

    /**
     * Keeps it from starting, its result then being null; false when it already runs, ran or was
     * abandoned.
     */
    @CanIgnoreReturnValue
    boolean abandon() {
      if (!state.compareAndSet(QUEUED, ABANDONED)) {
        return false;
      }
      order.complete(null);
      return true;
    }

    /**
     * The order when it is running or done; null when it had not started (waiting for a queued task
     * could wait for this very thread) or failed (the caller computes it, and any error surfaces
     * there).
     */
    @Nullable SampleOrder result() {
      if (abandon()) {
        return null;
      }
      try {
        return order.join();
      } catch (RuntimeException e) {
        return null;
      }
    }
  }
}
