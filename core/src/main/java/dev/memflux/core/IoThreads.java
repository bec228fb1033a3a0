package dev.memflux.core;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code memflux-io} threads of one subscription: each runs one blocking positional read at a
 * time, so their number is the queue depth the device sees (tens, which a fast disk needs, not the
 * one or two of the gather threads).
 *
 * <p>A plain {@link ThreadPoolExecutor}, not a Reactor scheduler, for two reasons: one shared FIFO
 * queue, so the reads of the earliest batch go first to whichever thread is free (a bounded elastic
 * scheduler queues each task behind one chosen worker); and {@link #close()} never interrupts a
 * read, since an interrupted read closes its {@link java.nio.channels.FileChannel} for every
 * thread. The threads are daemons: a forgotten subscription does not keep the JVM alive.
 */
final class IoThreads implements Executor, AutoCloseable {

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ThreadPoolExecutor executor;

  /** Up to {@code threads} threads, started as reads arrive and ended when idle or closed. */
  IoThreads(int threads) {
    int pool = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory =
        task -> {
          Thread t = new Thread(task, "memflux-io-" + pool + "-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    executor =
        new ThreadPoolExecutor(
            threads, threads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * Queues {@code task}.
   *
   * @throws RejectedExecutionException once closed
   */
  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  /** Accepts no more tasks; queued ones still run, and the threads end when the queue is empty. */
  @Override
  public void close() {
    executor.shutdown();
  }
}
