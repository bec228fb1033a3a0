package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * One subscription's gathering: issues a gather only for a batch that downstream has requested and
 * while fewer than {@code prefetch} gathered batches wait for delivery, runs it on the gather
 * scheduler, and delivers batches in plan order however the gathers finish. Every batch it makes is
 * either delivered or closed here, on completion, error and cancel alike.
 */
final class GatherRun {

  private final Loader loader;
  private final BatchPlanner planner;
  private final Scheduler scheduler;
  private final FluxSink<Batch> sink;

  private final Object lock = new Object();
  private final Map<Long, Batch> ready = new HashMap<>();
  private final AtomicInteger wip = new AtomicInteger();
  private long issued;
  private long delivered;
  private boolean exhausted;
  private boolean cancelled;
  private boolean terminated;
  private Throwable error;

  GatherRun(Loader loader, BatchPlanner planner, Scheduler scheduler, FluxSink<Batch> sink) {
    this.loader = loader;
    this.planner = planner;
    this.scheduler = scheduler;
    this.sink = sink;
  }

  void start() {
    // Emission happens on a gather thread even when a request arrives with a batch ready, so a
    // subscriber always sees onNext on the loader's threads, never on its own requesting thread.
    sink.onRequest(n -> scheduleDrain());
    sink.onDispose(this::cancel);
  }

  private void scheduleDrain() {
    try {
      scheduler.schedule(this::drain);
    } catch (RejectedExecutionException e) {
      fail(e);
    }
  }

  private void issueWithinDemand() {
    List<BatchPlanner.Planned> toIssue = new ArrayList<>();
    long firstSlot;
    synchronized (lock) {
      firstSlot = issued;
      long demand = sink.requestedFromDownstream();
      while (!cancelled
          && error == null
          && issued - delivered < Math.min(demand, loader.prefetch())
          && !exhausted) {
        if (!planner.hasNext()) {
          exhausted = true;
          break;
        }
        toIssue.add(planner.next());
        issued++;
      }
    }
    for (int i = 0; i < toIssue.size(); i++) {
      BatchPlanner.Planned p = toIssue.get(i);
      long slot = firstSlot + i;
      try {
        scheduler.schedule(() -> gather(slot, p));
      } catch (RejectedExecutionException e) {
        fail(e);
      }
    }
  }

  private void gather(long slot, BatchPlanner.Planned p) {
    synchronized (lock) {
      if (cancelled || error != null) {
        return;
      }
    }
    Batch batch = null;
    try {
      long start = System.nanoTime();
      batch = loader.gather(p);
      loader.gatherMeter().recordSince(start);
    } catch (Throwable t) {
      fail(t);
      return;
    }
    boolean keep;
    synchronized (lock) {
      keep = !cancelled && error == null;
      if (keep) {
        ready.put(slot, batch);
      }
    }
    if (!keep) {
      batch.close();
    }
    drain();
  }

  private void fail(Throwable t) {
    synchronized (lock) {
      if (error == null) {
        error = t;
      }
    }
    drain();
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

  /** Single-threaded emission loop (the usual work-in-progress counter), so order holds. */
  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      issueWithinDemand();
      while (true) {
        Batch next;
        Throwable failure;
        boolean complete;
        synchronized (lock) {
          if (terminated || cancelled) {
            break;
          }
          failure = error;
          next = failure == null && sink.requestedFromDownstream() > 0 ? ready.remove(delivered) : null;
          if (next != null) {
            delivered++;
          }
          complete = failure == null && next == null && exhausted && delivered == issued;
          terminated = failure != null || complete;
        }
        if (failure != null) {
          cancel();
          sink.error(failure);
          break;
        }
        if (complete) {
          sink.complete();
          break;
        }
        if (next == null) {
          break;
        }
        sink.next(next);
        issueWithinDemand();
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
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
