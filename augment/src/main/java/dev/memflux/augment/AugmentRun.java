package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.StageMeter;
import dev.memflux.core.stage.StageLifecycle;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One subscription of the stage: its worker threads, their scratch and the plan checked against the
 * first batch. Created when the augmented Flux is subscribed and disposed when it terminates.
 */
final class AugmentRun {

  private final ImageLayout layout;
  private final List<Step> steps;
  private final long seed;
  private final ErrorPolicy policy;
  private final BufferPool pool;
  private final StageMeter meter;
  private final SkipLog skips;
  private final Worker[] workers;
  private final Scheduler scheduler;
  // Batches the stage holds that nobody downstream has yet: received and not yet taken up by
  // augment() (the one concatMap queues ahead), or augmented and not yet delivered. Reactor may
  // drop such a batch without discarding it (a Mono holding its value for lack of demand when
  // cancelled, seen with concatMap(f, 0) and a peeking operator in reactor-core 3.8.7), so the run
  // closes whatever is left here when it is disposed, and anything arriving after that.
  private final StageLifecycle held = new StageLifecycle("augment");
  private BatchPlan plan;

  AugmentRun(
      ImageLayout layout,
      List<Step> steps,
      long seed,
      int parallelism,
      ErrorPolicy policy,
      BufferPool pool,
      StageMeter meter,
      SkipLog skips) {
    this.layout = layout;
    this.steps = steps;
    this.seed = seed;
    this.policy = policy;
    this.pool = pool;
    this.meter = meter;
    this.skips = skips;
    this.workers = new Worker[parallelism];
    for (int i = 0; i < parallelism; i++) {
      workers[i] = new Worker();
    }
    // Daemon threads: a subscriber that never terminates must not keep the JVM alive.
    this.scheduler = Schedulers.newParallel("memflux-augment", parallelism, true);
  }

  /**
   * Augments one batch: one task per worker, run in parallel, sharing out the rows, then joined.
   * Owns {@code batch} from here on, whatever happens.
   */
  Mono<Batch> augment(Batch batch) {
    held.handedOn(batch);
    BatchJob job;
    try {
      // Batches only ever arrive one at a time (concatMap), so the plan needs no lock.
      if (plan == null || !plan.fits(batch)) {
        plan = BatchPlan.of(batch, layout, steps);
      }
      job = new BatchJob(batch, plan, workers, pool, seed, policy);
    } catch (RuntimeException e) {
      batch.close();
      return Mono.error(e);
    }
    int tasks = job.tasks();
    return Flux.range(0, tasks)
        .flatMap(w -> Mono.fromRunnable(() -> job.runWorker(w)).subscribeOn(scheduler), tasks, 1)
        .then(Mono.fromCallable(() -> holding(job.finish(skips))))
        .doOnNext(
            b -> {
              held.handedOn(b);
              // The workers' summed busy time, so busy share reads against all the stage's threads.
              meter.record(job.busyNanos());
            })
        .doFinally(signal -> job.release());
  }

  /** Registers a finished batch (or none) until it is delivered. */
  private Batch holding(Batch finished) {
    if (finished != null) {
      held.arrived(finished);
    }
    return finished;
  }

  /** Notes a batch arriving from upstream; closes it at once if the run has already ended. */
  void received(Batch batch) {
    held.arrived(batch);
  }

  void dispose() {
    held.end();
    scheduler.dispose();
  }
}
