package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.stage.StageLifecycle;
import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.Knob;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One subscription of the stage: its worker threads, their scratch and the plan checked against the
 * first batch. Created when the augmented Flux is subscribed and disposed when it terminates;
 * {@link StageLifecycle} owns the batches on the way in and out.
 */
final class AugmentRun {

  private final ImageLayout layout;
  private final List<Step> steps;
  private final long seed;
  private final ErrorPolicy policy;
  private final BufferPool pool;
  private final StageMeter meter;
  private final SkipLog skips;
  private final Knob threads;
  // As many as the knob may ask for: a parallel scheduler starts its threads when first used.
  private final Worker[] workers;
  private final Scheduler scheduler;
  // What the stage holds that nobody downstream has yet: received and not yet taken up by augment()
  // (the one concatMap queues ahead), or augmented and not yet delivered.
  private final StageLifecycle life;
  private @Nullable BatchPlan plan; // of the latest batch, reused while batches fit it

  AugmentRun(
      ImageLayout layout,
      List<Step> steps,
      long seed,
      Knob threads,
      ErrorPolicy policy,
      BufferPool pool,
      StageMeter meter,
      SkipLog skips,
      StageLifecycle life) {
    this.life = life;
    this.layout = layout;
    this.steps = steps;
    this.seed = seed;
    this.policy = policy;
    this.pool = pool;
    this.meter = meter;
    this.skips = skips;
    this.threads = threads;
    this.workers = new Worker[threads.max()];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker();
    }
    // Daemon threads: a subscriber that never terminates must not keep the JVM alive.
    this.scheduler = Schedulers.newParallel("memflux-augment", workers.length, true);
  }

  /**
   * Augments one batch: one task per worker (as many as the threads knob says now), run in
   * parallel, sharing out the rows, then joined. Owns {@code batch} from here on, whatever happens.
   */
  Mono<Batch> augment(Batch batch) {
    life.handedOn(batch);
    BatchJob job;
    try {
      // Batches only ever arrive one at a time (concatMap), so the plan needs no lock.
      if (plan == null || !plan.fits(batch)) {
        plan = BatchPlan.of(batch, layout, steps);
      }
      job = new BatchJob(batch, plan, Arrays.copyOf(workers, threads.value()), pool, seed, policy);
    } catch (RuntimeException e) {
      batch.close();
      return Mono.error(e);
    }
    int tasks = job.tasks();
    return Flux.range(0, tasks)
        .flatMap(w -> Mono.fromRunnable(() -> job.runWorker(w)).subscribeOn(scheduler), tasks, 1)
        .then(Mono.fromCallable(() -> finished(batch, job.finish(skips))))
        // The workers' summed busy time, so busy share reads against all the stage's threads.
        .doOnNext(b -> meter.record(job.busyNanos()))
        .doFinally(signal -> job.release());
  }

  /**
   * Registers the augmented batch until it is delivered; with none (every row skipped), tells the
   * lifecycle the input was consumed, so one more may be read within the demand.
   */
  private @Nullable Batch finished(Batch input, @Nullable Batch output) {
    if (output == null) {
      life.dropped(input);
      return null;
    }
    return life.arrived(output);
  }

  /** Stops the worker threads; the lifecycle has closed what the stage held. */
  void dispose() {
    scheduler.dispose();
  }
}
