package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.FluxSink;

/**
 * One subscription's gathering. Up to {@code gatherThreads} workers run on the gather scheduler;
 * each takes the next batch of the plan only while downstream has requested it and fewer than
 * {@code prefetch} gathered batches wait for delivery, gathers it, and keeps going while allowed,
 * so a steady stream costs no thread hand-off per batch. Batches are delivered in plan order
 * however the gathers finish, always on a gather thread. Every batch made here is either delivered
 * or closed here, on completion, error and cancel alike.
 *
 * <p>Why hand-written rather than {@code flatMapSequential(gather, gatherThreads)}: that operator
 * drops the batches queued in its inners on cancel without calling discard hooks (<a
 * href="https://github.com/reactor/reactor-core/issues/4379">reactor-core#4379</a>), asks upstream
 * for its concurrency before any demand, and cannot bound gathered-but-undelivered batches by
 * {@code prefetch}; {@code BatchStageContract}'s dropping operators show the first with it
 * downstream.
 */
final class GatherRun {

  private final Loader loader;
  private final BatchPlanner planner;
  private final GatherThreads threads;
  private FluxSink<Batch> sink;
  private final int maxWorkers;

  // Lock order: planning, then lock; never the other way.
  private final Object planning = new Object();
  private final Object lock = new Object();
  private final Map<Long, Batch> ready = new HashMap<>();
  private final AtomicInteger wip = new AtomicInteger();
  private int workers;
  private long requested;
  private long issued;
  private long delivered;
  private boolean exhausted;
  private boolean cancelled;
  private boolean terminated;
  private Throwable error;

  GatherRun(Loader loader, BatchPlanner planner, GatherThreads threads) {
    this.loader = loader;
    this.planner = planner;
    this.threads = threads;
    this.maxWorkers = loader.gatherThreads();
  }

  void start(FluxSink<Batch> sink) {
    this.sink = sink;
    // Requests only schedule work: gathering and delivery never run on the requesting thread.
    // FluxCreate passes the demand accumulated before registration first, then each increment.
    sink.onRequest(
        n -> {
          synchronized (lock) {
            requested = requested + n < 0 ? Long.MAX_VALUE : requested + n;
          }
          schedule(this::drain);
        });
    sink.onDispose(this::cancel);
  }

  /** Runs {@code task} on a gather thread; once the threads are released the run is over. */
  private void schedule(Runnable task) {
    try {
      threads.execute(task);
    } catch (RejectedExecutionException e) {
      fail(e);
    }
  }

  /**
   * Whether one more batch may be gathered now: it has been requested, and fewer than {@code
   * prefetch} gathered batches wait for delivery. Call holding the lock.
   */
  private boolean mayIssue() {
    return !cancelled
        && error == null
        && !exhausted
        && issued < requested
        && issued - delivered < loader.prefetch();
  }

  private void startWorkers() {
    int toStart = 0;
    synchronized (lock) {
      if (mayIssue()) {
        long allowed = Math.min(requested - issued, loader.prefetch() - (issued - delivered));
        toStart = (int) Math.max(0, Math.min(maxWorkers, allowed) - workers);
      }
      workers += toStart;
    }
    for (int i = 0; i < toStart; i++) {
      schedule(this::work);
    }
  }

  /** A worker: gathers batch after batch while demand and prefetch allow. */
  private void work() {
    BatchPlanner.Planned plan = null;
    // A gathered batch not yet handed to the delivery queue: closed here if anything throws.
    Batch pending = null;
    try {
      while (true) {
        long slot;
        plan = null;
        // Planning may shuffle a whole epoch: it holds only the planning lock, so requests and
        // deliveries go on meanwhile. Taking the slot inside it keeps slot order = plan order.
        synchronized (planning) {
          boolean more = planner.hasNext();
          synchronized (lock) {
            if (mayIssue() && !more) {
              exhausted = true;
            }
            if (!mayIssue()) {
              return;
            }
            // Reserved before planning: should next() throw, the run fails, so the empty slot
            // is never waited for.
            slot = issued++;
          }
          plan = planner.next();
        }
        long start = System.nanoTime();
        pending = loader.gather(plan);
        loader.gatherMeter().recordSince(start);
        synchronized (lock) {
          if (!cancelled && error == null) {
            ready.put(slot, pending);
            pending = null;
          }
        }
        if (pending != null) {
          pending.close();
          pending = null;
        }
        drain();
      }
    } catch (Throwable t) {
      // A mapped-read fault can surface just after the read, with the batch still ours.
      if (pending != null) {
        pending.close();
      }
      // Catch everything: a worker that died silently would leave the subscriber waiting forever.
      record(t, plan == null ? "" : "batch " + plan.sequence() + " of epoch " + plan.epoch());
    } finally {
      synchronized (lock) {
        workers--;
      }
      drain();
    }
  }

  private void fail(Throwable t) {
    record(t, "");
    drain();
  }

  /** Keeps the first error, named after the gather stage and, for a mapped-read fault, the file. */
  private void record(Throwable t, String work) {
    synchronized (lock) {
      if (error == null) {
        error = new StageException("gather", work, loader.describeFault(t));
      }
    }
  }

  private void cancel() {
    List<Batch> orphans;
    synchronized (lock) {
      cancelled = true;
      orphans = new ArrayList<>(ready.values());
      ready.clear();
    }
    orphans.forEach(Batch::close);
  }

  /**
   * Single-threaded emission loop (the usual work-in-progress counter), so order holds. Anything
   * thrown inside (even an asynchronous mapped-read fault surfacing late) becomes the error of the
   * run, and the counter is always released, so the subscriber is never left waiting.
   */
  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      boolean done = false;
      while (!done) {
        try {
          emitReady();
          startWorkers();
          done = true;
        } catch (Throwable t) {
          record(t, "");
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void emitReady() {
    while (true) {
      Batch next;
      Throwable failure;
      boolean complete;
      synchronized (lock) {
        if (terminated || cancelled) {
          return;
        }
        failure = error;
        // Everything gathered was requested, so a ready batch can always be delivered.
        next = failure == null ? ready.remove(delivered) : null;
        if (next != null) {
          delivered++;
        }
        complete =
            failure == null && next == null && exhausted && delivered == issued && workers == 0;
        terminated = failure != null || complete;
      }
      if (failure != null) {
        cancel();
        sink.error(failure);
        return;
      }
      if (complete) {
        sink.complete();
        return;
      }
      if (next == null) {
        return;
      }
      sink.next(next);
    }
  }

  /** Fills the pooled buffers of one batch; runs on a gather thread. */
  static Batch gatherInto(
      BatchPlanner.Planned p, NpyArray[] fields, BufferPool pool, int batchSize) {
    int n = p.indices().length;
    PooledBuffer[] buffers = new PooledBuffer[fields.length];
    long[][] shapes = new long[fields.length][];
    DType[] types = new DType[fields.length];
    try {
      for (int f = 0; f < fields.length; f++) {
        NpyArray a = fields[f];
        buffers[f] = pool.acquire(Math.toIntExact(a.rowBytes() * batchSize));
        ByteBuffer dst = buffers[f].buffer();
        a.gather(p.indices(), 0, n, dst);
        long[] rowShape = a.rowShape();
        long[] shape = new long[rowShape.length + 1];
        shape[0] = n;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        shapes[f] = shape;
        types[f] = a.dtype().toNativeOrder();
      }
    } catch (RuntimeException | Error e) {
      for (PooledBuffer b : buffers) {
        if (b != null) {
          b.close();
        }
      }
      throw e;
    }
    return new Batch(p.epoch(), p.sequence(), p.indices(), p.after(), buffers, shapes, types);
  }
}
