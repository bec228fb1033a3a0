package dev.memflux.core;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.scheduler.Scheduler;

/**
 * The gather threads of one subscription: runs its tasks until released, and disposes the scheduler
 * on release when the subscription owns it.
 *
 * <p>Why a lock around Reactor's scheduler: a task scheduled on a bounded-elastic scheduler while
 * it is being disposed spins in {@code BoundedServices.pick} forever (reactor-core 3.8.7). The
 * cancel trials now in {@code BatchStageContract} caught it (a subscriber requesting from {@code
 * onNext} as it cancels left a {@code memflux-gather} thread spinning); they are its reproducer.
 */
final class GatherThreads implements Executor {

  private final Scheduler scheduler;
  private final boolean owned;
  private boolean released;

  GatherThreads(Scheduler scheduler, boolean owned) {
    this.scheduler = scheduler;
    this.owned = owned;
  }

  /**
   * Runs {@code task} on a gather thread.
   *
   * @throws RejectedExecutionException once released, or when the scheduler refuses the task
   */
  @Override
  public synchronized void execute(Runnable task) {
    if (released) {
      throw new RejectedExecutionException("the subscription's gather threads are released");
    }
    scheduler.schedule(task);
  }

  /** Ends scheduling for good; disposes the scheduler when the subscription owns it. */
  synchronized void release() {
    released = true;
    if (owned) {
      scheduler.dispose();
    }
  }
}
