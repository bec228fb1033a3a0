package dev.memflux.train;

import dev.memflux.core.BufferPool;
import dev.memflux.core.stage.StageMeter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * memflux's figures as Micrometer meters, for the monitoring an application already has: each
 * stage's batches and busy time, each buffer pool's use, and the trainer's data wait.
 *
 * <pre>{@code
 * PipelineMetrics.builder()
 *     .stages(loader.gatherMeter(), augment.meter(), progress.stepMeter())
 *     .pool("train", loader.bufferPool())
 *     .dataWait(progress)                     // or a PipelineDataset
 *     .tags(Tags.of("job", "fmnist"))
 *     .build()
 *     .bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code memflux.stage}</td><td>function timer</td><td>{@code stage}</td>
 *       <td>batches finished (its rate is the stage's rate) and the workers' busy time</td></tr>
 *   <tr><td>{@code memflux.stage.workers}</td><td>gauge</td><td>{@code stage}</td>
 *       <td>threads of the stage: busy time over workers × wall time is its utilisation</td></tr>
 *   <tr><td>{@code memflux.pool.outstanding}</td><td>gauge</td><td>{@code pool}</td>
 *       <td>buffers leased and not yet returned</td></tr>
 *   <tr><td>{@code memflux.pool.allocated}, {@code memflux.pool.reclaimed}</td>
 *       <td>function counters</td><td>{@code pool}</td>
 *       <td>buffers allocated; leases the garbage collector returned (missed closes)</td></tr>
 *   <tr><td>{@code memflux.data.wait}</td><td>function counter, seconds</td><td>{@code source}</td>
 *       <td>time the trainer waited for a batch; its rate is the share of time waiting</td></tr>
 * </table>
 *
 * <p>Micrometer is an optional dependency of {@code memflux-train}: add {@code
 * io.micrometer:micrometer-core} to use this class; nothing else in memflux needs it. As is usual
 * for Micrometer, the meters hold the meters, pools and sources weakly: keep them reachable.
 */
public final class PipelineMetrics implements MeterBinder {

  private final List<Consumer<MeterRegistry>> bindings;

  private PipelineMetrics(Builder b) {
    this.bindings = List.copyOf(b.bindings);
  }

  /** Starts an empty binder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Registers every meter with {@code registry}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    bindings.forEach(binding -> binding.accept(registry));
  }

  /** Configures a {@link PipelineMetrics}. */
  public static final class Builder {
    private final List<Consumer<MeterRegistry>> bindings = new ArrayList<>();
    private Tags tags = Tags.empty();

    private Builder() {}

    /** Tags added to every meter, such as the job's name; call before adding sources. */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = this.tags.and(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /** Meters of pipeline stages, tagged with each meter's name (which must differ). */
    public Builder stages(StageMeter... meters) {
      for (StageMeter m : meters) {
        Objects.requireNonNull(m, "meters");
        Tags t = tags.and("stage", m.name());
        bindings.add(
            registry -> {
              FunctionTimer.builder(
                      "memflux.stage",
                      m,
                      StageMeter::completed,
                      StageMeter::busyNanos,
                      TimeUnit.NANOSECONDS)
                  .description("Batches a memflux stage finished, and its workers' busy time")
                  .tags(t)
                  .register(registry);
              Gauge.builder("memflux.stage.workers", m, StageMeter::workers)
                  .description("Threads a memflux stage runs on")
                  .tags(t)
                  .register(registry);
            });
      }
      return this;
    }

    /** A buffer pool, tagged {@code pool=name}. */
    public Builder pool(String name, BufferPool pool) {
      Objects.requireNonNull(pool, "pool");
      Tags t = tags.and("pool", Objects.requireNonNull(name, "name"));
      bindings.add(
          registry -> {
            Gauge.builder("memflux.pool.outstanding", pool, BufferPool::outstanding)
                .description("Buffers leased and not yet returned")
                .baseUnit("buffers")
                .tags(t)
                .register(registry);
            FunctionCounter.builder("memflux.pool.allocated", pool, BufferPool::allocated)
                .description("Buffers the pool allocated")
                .baseUnit("buffers")
                .tags(t)
                .register(registry);
            FunctionCounter.builder("memflux.pool.reclaimed", pool, BufferPool::reclaimed)
                .description("Leases returned by the garbage collector: each one a missed close")
                .baseUnit("buffers")
                .tags(t)
                .register(registry);
          });
      return this;
    }

    /** The data wait of training through {@code dataset}, tagged {@code source=dataset}. */
    public Builder dataWait(PipelineDataset dataset) {
      return dataWait("dataset", dataset, PipelineDataset::dataWaitSeconds);
    }

    /**
     * The data wait of the trainer {@code progress} listens to, with {@link Training#fit} or any
     * DJL loop, tagged {@code source=progress}.
     */
    public Builder dataWait(ProgressListener progress) {
      return dataWait("progress", progress, ProgressListener::dataWaitSeconds);
    }

    private <T> Builder dataWait(String source, T from, ToDoubleFunction<T> seconds) {
      Objects.requireNonNull(from, source);
      Tags t = tags.and("source", source);
      bindings.add(
          registry ->
              FunctionCounter.builder("memflux.data.wait", from, seconds)
                  .description("Time the trainer waited for a batch")
                  .baseUnit("seconds")
                  .tags(t)
                  .register(registry));
      return this;
    }

    /** The binder. */
    public PipelineMetrics build() {
      return new PipelineMetrics(this);
    }
  }
}
