package dev.memflux.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.FluxSink;

/**
 * One subscription's gathering. Up to {@code gatherThreads} workers run on the gather scheduler;
 * each takes the next batch of the plan only while downstream has requested it and fewer than
 * {@code prefetch} batches are gathered or being gathered ahead of delivery, hands it to the {@link
 * BatchGatherer}, and keeps going while allowed, so a steady stream costs no thread hand-off per
 * batch. A mapped gather finishes before the worker goes on; a reading one only queues its reads,
 * so all the batches allowed are read at once. Batches are delivered in plan order however the
 * gathers finish, always on a gather thread. Every batch made here is either delivered or closed
 * here, on completion, error and cancel alike. {@code gatherThreads} and {@code prefetch} are read
 * afresh before each batch, so a tuner's change applies from the next one: a worker above a lowered
 * thread count ends after its batch.
 *
 * <p>Why hand-written rather than {@code flatMapSequential(gather, gatherThreads)}: that operator
 * drops the batches queued in its inners on cancel without calling discard hooks (<a
 * href="https://github.com/reactor/reactor-core/issues/4379">reactor-core#4379</a>), asks upstream
 * for its concurrency before any demand, and cannot bound gathered-but-undelivered batches by
 * {@code prefetch}; {@code BatchStageContract}'s dropping operators show the first with it
 * downstream. And a request must never gather on the requesting thread.
 */
final class GatherRun {

  private final Loader loader;
  private final BatchPlanner planner;
  private final BatchGatherer gatherer;
  private final GatherThreads threads;
  private @Nullable FluxSink<Batch> sink; // set by start, before any demand

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
  private @Nullable Throwable error;

  GatherRun(Loader loader, BatchPlanner planner, BatchGatherer gatherer, GatherThreads threads) {
    this.loader = loader;
    this.planner = planner;
    this.gatherer = gatherer;
    this.threads = threads;
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
   * prefetch} batches are gathered or being gathered ahead of delivery. Call holding the lock.
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
        toStart = (int) Math.max(0, Math.min(loader.gatherThreads(), allowed) - workers);
      }
      workers += toStart;
    }
    for (int i = 0; i < toStart; i++) {
      schedule(this::work);
    }
  }

  /** A worker: starts gathering batch after batch while demand and prefetch allow. */
  private void work() {
    BatchPlanner.Planned plan = null;
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
            if (!mayIssue() || workers > loader.gatherThreads()) {
              return;
            }
            // Reserved before planning: should next() throw, the run fails, so the empty slot
            // is never waited for.
            slot = issued++;
          }
          plan = planner.next();
        }
        long start = System.nanoTime();
        BatchPlanner.Planned planned = plan;
        gatherer.gather(plan, (batch, failure) -> finished(slot, planned, start, batch, failure));
      }
    } catch (Throwable t) {
      // Catch everything: a worker that died silently would leave the subscriber waiting forever.
      record(t, plan == null ? "" : "batch " + plan.sequence() + " of epoch " + plan.epoch());
    } finally {
      synchronized (lock) {
        workers--;
      }
      drain();
    }
  }

  /**
   * A batch is gathered (or failed): queue it for delivery in order, or close it when the run is
   * over. Runs on the gather thread for an inline gatherer, else on any thread: delivery then goes
   * to a gather thread, through a drain that owns nothing, so a scheduler disposed with it queued
   * loses no batch (cancel closes what is queued).
   */
  private void finished(
      long slot, BatchPlanner.Planned plan, long start, Batch batch, Throwable failure) {
    if (failure != null) {
      record(failure, "batch " + plan.sequence() + " of epoch " + plan.epoch());
    } else {
      loader.gatherMeter().recordSince(start);
      boolean kept = false;
      synchronized (lock) {
        if (!cancelled && error == null) {
          ready.put(slot, batch);
          kept = true;
        }
      }
      if (!kept) {
        batch.close();
      }
    }
    if (gatherer.completesInline()) {
      drain();
    } else {
      schedule(this::drain);
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
    FluxSink<Batch> sink = Objects.requireNonNull(this.sink, "started");
    while (true) {
      @Nullable Batch next;
      @Nullable Throwable failure;
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
}
