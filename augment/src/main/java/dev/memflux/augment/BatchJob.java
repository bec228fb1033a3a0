package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.PooledBuffer;
import dev.memflux.core.stage.Batches;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The augmentation of one batch by several workers, then joined by {@link #finish} into the output
 * batch. Workers claim small blocks of rows from a shared cursor rather than a fixed share each: a
 * worker slowed down (by the gather thread taking its core, say) then claims fewer blocks instead
 * of holding up the whole batch while the others idle.
 *
 * <p>Ownership: the job owns the input batch and the output buffers it leased until {@link #finish}
 * moves them into the output batch. Each running worker task holds a reference, and the owner holds
 * one until it finishes or {@link #release() releases} (cancel, error); the memory goes back to its
 * pools only when the last reference goes, so a worker still running after a cancel never writes
 * into a buffer that another batch already reuses. This count is not one more ownership mechanism
 * beside the stage's {@code StageLifecycle}: that one covers Reactor's hand-offs between operators,
 * this one the worker threads of a single batch, which a cancel cannot stop mid-row.
 */
final class BatchJob {

  private final Batch input;
  private final BatchPlan plan;
  private final Worker[] workers;
  private final long seed;
  private final int tasks;
  private final int blockRows;
  private final AtomicInteger nextRow = new AtomicInteger();
  // Set at the first failure when stopping at it: blocks after it are not claimed, while every
  // block before it was claimed already and runs to its own first failure, so the lowest failing
  // row is found whatever the timing.
  private volatile boolean stopClaiming;

  /** Per field plan: its output lease, or null when written in place. */
  private final @Nullable PooledBuffer[] outputs; // null once moved into the batch

  /** Per row: what made it fail, or null. Each row is claimed by one worker. */
  private final AugmentException[] failures;

  private final ErrorPolicy policy;
  private final AtomicLong busyNanos = new AtomicLong();
  private int references = 1;
  private boolean ownerReleased;

  /**
   * Leases the output buffers for {@code input}; on failure closes {@code input} and anything
   * leased.
   */
  BatchJob(
      Batch input,
      BatchPlan plan,
      Worker[] workers,
      BufferPool pool,
      long seed,
      ErrorPolicy policy) {
    this.input = input;
    this.plan = plan;
    this.workers = workers;
    this.seed = seed;
    this.policy = policy;
    this.tasks = Math.min(workers.length, input.size());
    // About 8 blocks per worker: claims stay rare, and the last block is a small share of a batch.
    this.blockRows = Math.max(1, input.size() / (8 * tasks));
    this.outputs = new PooledBuffer[plan.fields.length];
    this.failures = new AugmentException[input.size()];
    try {
      for (int k = 0; k < outputs.length; k++) {
        FieldPlan p = plan.fields[k];
        if (!p.inPlace()) {
          outputs[k] = pool.acquire(Math.multiplyExact(input.size(), p.outRowBytes));
        }
      }
    } catch (RuntimeException | Error e) {
      closeAll();
      throw e;
    }
  }

  /** How many worker tasks to run: {@link #runWorker(int)} for 0 to tasks() - 1. */
  int tasks() {
    return tasks;
  }

  /** Nanoseconds the workers spent on this batch, all tasks together. */
  long busyNanos() {
    return busyNanos.get();
  }

  /**
   * Augments blocks of rows with worker {@code w}'s scratch until none are left; does nothing once
   * the owner has released the job.
   */
  void runWorker(int w) {
    synchronized (this) {
      if (ownerReleased) {
        return;
      }
      references++;
    }
    long start = System.nanoTime();
    try {
      Worker worker = workers[w];
      int n = input.size();
      FieldPlan[] fields = plan.fields;
      FieldPlan.Rows[] src = new FieldPlan.Rows[fields.length];
      FieldPlan.Rows[] dst = new FieldPlan.Rows[fields.length];
      for (int k = 0; k < fields.length; k++) {
        src[k] = FieldPlan.Rows.of(input.field(fields[k].field));
        dst[k] = outputs[k] == null ? src[k] : FieldPlan.Rows.of(outputs[k].buffer());
      }
      long epoch = input.epoch();
      // Checked before claiming: a block once claimed always runs (see stopClaiming).
      while (!stopClaiming) {
        int from = nextRow.getAndAdd(blockRows);
        if (from >= n) {
          break;
        }
        for (int pos = from, to = Math.min(n, from + blockRows); pos < to; pos++) {
          long id = input.index(pos);
          try {
            for (int k = 0; k < fields.length; k++) {
              fields[k].process(worker, seed, epoch, id, src[k], dst[k], pos);
            }
          } catch (AugmentException e) {
            failures[pos] = e;
            if (policy == ErrorPolicy.FAIL) {
              stopClaiming = true;
              return;
            }
          }
        }
      }
    } finally {
      busyNanos.addAndGet(System.nanoTime() - start);
      dereference();
    }
  }

  /**
   * Moves the input and the outputs into the augmented batch, or returns null when released or when
   * every row failed and was skipped. Call after every worker task has returned.
   *
   * @throws AugmentException for the first failing row, unless the policy is to skip
   */
  @Nullable Batch finish(SkipLog log) {
    synchronized (this) {
      if (ownerReleased) {
        return null;
      }
      ownerReleased = true;
      references--;
    }
    // Every worker task has returned, so from here this thread owns everything alone.
    Batch out = input;
    try {
      int first = firstFailure();
      if (first >= 0 && policy == ErrorPolicy.FAIL) {
        throw failures[first];
      }
      for (int k = 0; k < outputs.length; k++) {
        if (outputs[k] != null) {
          FieldPlan p = plan.fields[k];
          long[] shape = new long[p.outRowShape.length + 1];
          shape[0] = input.size();
          System.arraycopy(p.outRowShape, 0, shape, 1, p.outRowShape.length);
          out = Batches.withField(out, p.field, outputs[k], shape, p.outType);
          outputs[k] = null;
        }
      }
      if (first >= 0) {
        int[] kept = keptRows();
        for (AugmentException f : failures) {
          if (f != null) {
            log.skipped(f);
          }
        }
        out = Batches.retain(out, kept);
        if (kept.length == 0) {
          out.close();
          return null;
        }
      }
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      closeAll();
      throw e;
    }
  }

  /**
   * Drops the owner's reference after a cancel or error (harmless after {@link #finish}): the
   * memory returns once no worker task uses it any more.
   */
  void release() {
    boolean drop;
    synchronized (this) {
      drop = !ownerReleased;
      ownerReleased = true;
    }
    if (drop) {
      dereference();
    }
  }

  private void dereference() {
    boolean last;
    synchronized (this) {
      last = --references == 0 && ownerReleased;
    }
    if (last) {
      closeAll();
    }
  }

  private int[] keptRows() {
    int n = 0;
    for (AugmentException f : failures) {
      if (f == null) {
        n++;
      }
    }
    int[] kept = new int[n];
    for (int i = 0, k = 0; i < failures.length; i++) {
      if (failures[i] == null) {
        kept[k++] = i;
      }
    }
    return kept;
  }

  /** The lowest failing row, or -1: the same row whatever the workers' timing. */
  private int firstFailure() {
    for (int i = 0; i < failures.length; i++) {
      if (failures[i] != null) {
        return i;
      }
    }
    return -1;
  }

  private void closeAll() {
    input.close();
    for (PooledBuffer b : outputs) {
      if (b != null) {
        b.close();
      }
    }
    Arrays.fill(outputs, null);
  }
}
