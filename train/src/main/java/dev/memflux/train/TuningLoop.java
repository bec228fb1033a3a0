package dev.memflux.train;

import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.Tuner;
import dev.memflux.core.tune.TuningReport;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Runs one training run's {@link Tuner}: asks it to decide at every tick, from the stage meters and
 * the training thread's data wait so far, until stopped. The tuner itself decides how often to act
 * on what it measured; a tick only offers it the chance.
 */
final class TuningLoop {

  private final Tuner tuner;
  private final LongSupplier dataWaitNanos;
  private final Disposable ticks;
  private volatile @Nullable Throwable failure; // the tuner's fault, which ended tuning

  /**
   * Starts tuning {@code stages} (upstream first, the training step last, its knob the batches
   * ahead) within {@code budget} bytes, on the processors the training thread leaves.
   */
  TuningLoop(List<StageMeter> stages, long budget, Duration interval, LongSupplier dataWaitNanos) {
    int cpus = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    this.tuner = new Tuner(stages, budget, cpus);
    this.dataWaitNanos = dataWaitNanos;
    tuner.start(System.nanoTime());
    this.ticks = Flux.interval(interval, interval).subscribe(tick -> tick());
  }

  private void tick() {
    if (failure != null) {
      return;
    }
    try {
      tuner.update(System.nanoTime(), dataWaitNanos.getAsLong());
    } catch (RuntimeException e) {
      // a fault of the tuner's must not end the training: the knobs stay where they are
      failure = e;
    }
  }

  /** Stops tuning and says what was chosen and why. */
  TuningReport stop() {
    ticks.dispose();
    TuningReport report = tuner.report();
    Throwable f = failure;
    return f == null
        ? report
        : new TuningReport(
            report.settings(),
            report.memoryBudget(),
            report.memoryBytes(),
            "tuning stopped by " + f + "; " + report.verdict());
  }
}
