package dev.memflux.core.tune;

import java.util.Objects;

/**
 * One setting of a pipeline stage that a {@link Tuner} may change while the pipeline runs: how many
 * threads the stage works with, or how many batches it holds ready for the next stage. The stage
 * reads {@link #value()} whenever it decides (before each batch, at each request), so a change
 * takes effect at its next decision and never interrupts work in progress; the value always stays
 * within [{@link #min()}, {@link #max()}]. A knob the user set is {@linkplain #fixed fixed}: no
 * tuner changes it.
 *
 * <p>A stage creates its knobs, attaches them to its {@link dev.memflux.core.stage.StageMeter}
 * (which measures the work they divide or buffer) and says what one unit holds in memory ({@link
 * #bytesPerUnit(long)}) once it knows, so a tuner keeps the sum within its memory budget.
 */
public final class Knob {

  /** What a knob sets, which decides how the tuner's model uses it. */
  public enum Kind {
    /** Threads working on the stage's batches: its work (CPU work) divides among them. */
    THREADS,
    /**
     * Reads in flight: the stage's work is mostly waiting for a device, which divides among as many
     * requests as are in flight without taking a processor.
     */
    READS,
    /**
     * Batches the stage holds ahead of the next one, in progress or ready (a stage with threads
     * works on at most this many at once): they absorb the variation in the two stages' times.
     */
    BUFFER
  }

  private final String name;
  private final Kind kind;
  private final int min;
  private final int max;
  private final boolean fixed;
  private volatile int value;
  private volatile long bytesPerUnit;
  private volatile Runnable watcher = () -> {};

  private Knob(String name, Kind kind, int value, int min, int max, boolean fixed) {
    this.name = Objects.requireNonNull(name, "name");
    this.kind = Objects.requireNonNull(kind, "kind");
    if (min < 1 || max < min || value < min || value > max) {
      throw new IllegalArgumentException(
          name + ": needs 1 <= min <= value <= max, was " + min + " <= " + value + " <= " + max);
    }
    this.value = value;
    this.min = min;
    this.max = max;
    this.fixed = fixed;
  }

  /**
   * A knob a tuner may set anywhere in [min, max], starting at {@code initial}.
   *
   * @param name the option that would fix it, such as {@code "gatherThreads"}
   * @throws IllegalArgumentException unless {@code 1 <= min <= initial <= max}
   */
  public static Knob tunable(String name, Kind kind, int initial, int min, int max) {
    return new Knob(name, kind, initial, min, max, false);
  }

  /**
   * A knob the user set to {@code value}: it stays there.
   *
   * @throws IllegalArgumentException when {@code value < 1}
   */
  public static Knob fixed(String name, Kind kind, int value) {
    return new Knob(name, kind, value, value, value, true);
  }

  /** The option that would fix it, such as {@code "gatherThreads"}. */
  public String name() {
    return name;
  }

  /** What it sets. */
  public Kind kind() {
    return kind;
  }

  /** The current value, in [{@link #min()}, {@link #max()}]. */
  public int value() {
    return value;
  }

  /** The smallest value a tuner may set. */
  public int min() {
    return min;
  }

  /** The largest value a tuner may set. */
  public int max() {
    return max;
  }

  /** Whether the user set it, so that no tuner changes it. */
  public boolean isFixed() {
    return fixed;
  }

  /** Bytes one unit holds (a batch buffer, a worker's scratch); 0 until the stage knows. */
  public long bytesPerUnit() {
    return bytesPerUnit;
  }

  /** The stage says what one unit holds in memory, once it knows (at its first batch, say). */
  public void bytesPerUnit(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException(name + ": bytesPerUnit must be >= 0, was " + bytes);
    }
    long before = bytesPerUnit;
    this.bytesPerUnit = bytes;
    if (bytes != before) {
      watcher.run();
    }
  }

  /** The tuner's: runs {@code onBytesChanged} whenever the stage says what a unit holds. */
  void watch(Runnable onBytesChanged) {
    this.watcher = Objects.requireNonNull(onBytesChanged, "onBytesChanged");
  }

  /** Memory the knob's current value holds. */
  long bytes() {
    return bytesPerUnit * value;
  }

  /** The tuner's: moves the value, which must be within the range. */
  void set(int v) {
    if (fixed || v < min || v > max) {
      throw new IllegalStateException(this + " cannot be set to " + v);
    }
    value = v;
  }

  @Override
  public String toString() {
    return name
        + " "
        + value
        + (fixed ? " (fixed)" : " (" + min + ".." + max + ")")
        + (bytesPerUnit > 0 ? ", " + bytesPerUnit + " B each" : "");
  }
}
