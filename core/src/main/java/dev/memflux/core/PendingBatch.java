package dev.memflux.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * One batch whose reads are in flight: counts them down and, when the last has finished, hands the
 * batch (or the first failure, its buffers then closed) to {@code done}, on the thread of that last
 * read. The buffers are closed or handed over only after every read into them has finished, never
 * while one may still write there.
 */
final class PendingBatch {

  private final BatchPlanner.Planned plan;
  private final BatchBuffers buffers;
  private final BiConsumer<Batch, Throwable> done;
  // One for the issuing thread, held until every read is queued, so the count cannot reach zero
  // while reads are still being added.
  private final AtomicInteger outstanding = new AtomicInteger(1);
  private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

  PendingBatch(BatchPlanner.Planned plan, BatchBuffers buffers, BiConsumer<Batch, Throwable> done) {
    this.plan = plan;
    this.buffers = buffers;
    this.done = done;
  }

  /** Field {@code f}'s destination buffer. */
  java.nio.ByteBuffer field(int f) {
    return buffers.field(f);
  }

  /** Announces one more read to wait for; call before queueing it. */
  void expect() {
    outstanding.incrementAndGet();
  }

  /** Whether the batch already failed, so its remaining reads can be skipped. */
  boolean failed() {
    return failure.get() != null;
  }

  /** One read finished; {@code error} is its failure, or null. */
  void finished(@Nullable Throwable error) {
    if (error != null) {
      failure.compareAndSet(null, error);
    }
    if (outstanding.decrementAndGet() == 0) {
      complete();
    }
  }

  private void complete() {
    Throwable error = failure.get();
    if (error != null) {
      buffers.close();
      done.accept(null, error);
    } else {
      done.accept(buffers.toBatch(plan), null);
    }
  }
}
