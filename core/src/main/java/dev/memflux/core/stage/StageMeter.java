package dev.memflux.core.stage;

import dev.memflux.core.tune.Knob;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Stage SPI: counts the work of one pipeline stage (gather, augment, convert, train): how many
 * batches it finished and how long its threads were busy. Applications only pass the meters of
 * their stages along ({@code loader.gatherMeter()}, {@code augment.meter()}) to the training
 * options or a report; a stage of their own creates one and records into it. Stages record into it;
 * reports sample it over time to find the bottleneck (the stage busy nearly all the time) and the
 * batches in flight between stages (the difference of two stages' {@link #completed()} counts).
 * Thread-safe and cheap.
 *
 * <p>A stage whose settings a {@link dev.memflux.core.tune.Tuner} may change attaches their {@link
 * Knob knobs} here: the meter measures the work they divide or buffer.
 *
 * <p>Each recorded batch is also a JDK Flight Recorder event, {@code dev.memflux.StageBatch} (stage
 * name, busy time, workers), in the "memflux" category of JDK Mission Control, whenever a recording
 * enables it: {@code java -XX:StartFlightRecording=filename=run.jfr ...}.
 */
public final class StageMeter {

  private final String name;
  private final LongAdder busyNanos = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final int workers;
  private final List<Knob> knobs;

  /**
   * @param name the stage name shown in reports, e.g. {@code "gather"}
   * @param workers threads the stage runs on, so busy time can be shown as a share of capacity
   *     (with a {@link Knob.Kind#THREADS} or {@link Knob.Kind#READS} knob, its value instead)
   * @param knobs the stage's settings a tuner may change: at most one of each kind, {@code THREADS}
   *     and {@code READS} counting as one
   * @throws IllegalArgumentException when {@code workers < 1} or two knobs are of one kind
   */
  public StageMeter(String name, int workers, Knob... knobs) {
    this.name = Objects.requireNonNull(name, "name");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1, was " + workers);
    }
    this.workers = workers;
    this.knobs = List.of(knobs);
    if (this.knobs.stream().filter(k -> k.kind() == Knob.Kind.BUFFER).count() > 1
        || this.knobs.stream().filter(k -> k.kind() != Knob.Kind.BUFFER).count() > 1) {
      throw new IllegalArgumentException(
          name + ": at most one knob of threads (or reads) and one of buffers, was " + this.knobs);
    }
  }

  /** Records one finished batch that kept a worker busy from {@code startNanos} to now. */
  public void recordSince(long startNanos) {
    record(System.nanoTime() - startNanos);
  }

  /**
   * Records one finished batch that kept the stage's workers busy for {@code busyNanos} in total,
   * for stages whose workers share a batch.
   */
  public void record(long busyNanos) {
    this.busyNanos.add(busyNanos);
    completed.increment();
    StageEvent.batch(name, busyNanos, workers);
  }

  /** The stage name. */
  public String name() {
    return name;
  }

  /** Threads the stage runs on: its threads (or reads) knob's value, if it has one. */
  public int workers() {
    for (Knob k : knobs) {
      if (k.kind() != Knob.Kind.BUFFER) {
        return k.value();
      }
    }
    return workers;
  }

  /** The stage's knobs: the settings a tuner may change while it runs. */
  public List<Knob> knobs() {
    return knobs;
  }

  /** Total busy time of all workers, in nanoseconds. */
  public long busyNanos() {
    return busyNanos.sum();
  }

  /** Batches the stage has finished. */
  public long completed() {
    return completed.sum();
  }

  @Override
  public String toString() {
    return name + "[completed=" + completed() + ", busy=" + busyNanos() / 1_000_000 + "ms]";
  }
}
