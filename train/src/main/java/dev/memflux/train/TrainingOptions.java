package dev.memflux.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.memflux.core.Batch;
import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.Knob;
import dev.memflux.core.tune.Tuner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Settings of {@link Training#fit}. Immutable; every builder method returns a new builder.
 *
 * <pre>{@code
 * TrainingOptions options = TrainingOptions.builder()
 *     .data(0).labels(1)
 *     .cast(DataType.FLOAT32, 0, 1)                    // float64 features and targets
 *     .validation(() -> testLoader.batches())          // run after every epoch, no augmentation
 *     .checkpoints(Path.of("ckpt"), "mlp")
 *     .stageMeters(loader.gatherMeter(), augment.meter())
 *     .build();
 * }</pre>
 */
public final class TrainingOptions {

  private final Builder b;

  private TrainingOptions(Builder b) {
    this.b = b;
  }

  /** Default options: field 0 is the data, field 1 the label, no validation, no checkpoints. */
  public static Builder builder() {
    return new Builder();
  }

  /** Fields that make the data NDList. */
  public int[] data() {
    return b.data.clone();
  }

  /** Fields that make the label NDList. */
  public int[] labels() {
    return b.labels.clone();
  }

  /** The type each field is cast to on conversion, by field index; null entries for none. */
  @Nullable DataType[] casts() {
    return b.casts.clone();
  }

  /** The device to convert to; empty for the trainer's first device. */
  public Optional<Device> device() {
    return Optional.ofNullable(b.device);
  }

  /** The validation batches for the epoch that just ended, or {@code null} for none. */
  @Nullable Flux<Batch> validation(long epoch) {
    return b.validation == null ? null : b.validation.apply(epoch);
  }

  /** The checkpoint directory, if checkpoints are written. */
  public Optional<Path> checkpointDir() {
    return Optional.ofNullable(b.checkpointDir);
  }

  /** The model name checkpoint files are prefixed with. */
  public String checkpointName() {
    return b.checkpointName;
  }

  /** Training batches between two mid-epoch checkpoints; 0 for epoch ends only. */
  public long checkpointEvery() {
    return b.checkpointEvery;
  }

  /** Meters of the stages before conversion, upstream first. */
  public List<StageMeter> stageMeters() {
    return b.stageMeters;
  }

  /**
   * The training thread's demand: batches requested ahead of the one it trains, converted and
   * waiting for it at most; as set, or the default a tuner starts from.
   */
  public int batchesAhead() {
    return b.batchesAhead > 0 ? b.batchesAhead : Tensors.DEFAULT_BATCHES_AHEAD;
  }

  /**
   * A knob for the training thread's demand, new for each run: fixed when {@link
   * Builder#batchesAhead} set it, else tunable from 1 to {@value #MAX_BATCHES_AHEAD}.
   */
  Knob batchesAheadKnob() {
    return b.batchesAhead > 0
        ? Knob.fixed("batchesAhead", Knob.Kind.BUFFER, b.batchesAhead)
        : Knob.tunable("batchesAhead", Knob.Kind.BUFFER, batchesAhead(), 1, MAX_BATCHES_AHEAD);
  }

  /** Whether a {@link Tuner} chooses the stage sizes the user left unset while the run goes. */
  public boolean tuning() {
    return b.tuning;
  }

  /** Bytes the tuned stage sizes may hold together: batches ahead, in flight, being gathered. */
  public long memoryBudget() {
    return b.memoryBudget >= 0 ? b.memoryBudget : Tuner.defaultBudget();
  }

  /** How often the batches in flight are sampled. */
  public Duration sampleInterval() {
    return b.sampleInterval;
  }

  /** The most batches a tuner asks for ahead of the one being trained. */
  public static final int MAX_BATCHES_AHEAD = 32;

  /** Builds {@link TrainingOptions}; each method returns a new builder. */
  public static final class Builder {
    private int[] data = {0};
    private int[] labels = {1};
    // By field index; null entries for fields not cast.
    private @Nullable DataType[] casts = new DataType[0];
    // Null when not set: the trainer's first device, no validation, no checkpoints.
    private @Nullable Device device;
    private @Nullable LongFunction<Flux<Batch>> validation;
    private @Nullable Path checkpointDir;
    private String checkpointName = "model";
    private long checkpointEvery;
    private List<StageMeter> stageMeters = List.of();
    private int batchesAhead; // 0: not set, tuned from the default
    private Duration sampleInterval = Duration.ofMillis(250);
    private boolean tuning = true;
    private long memoryBudget = -1; // the tuner's default

    private Builder() {}

    private Builder copy() {
      Builder c = new Builder();
      c.data = data;
      c.labels = labels;
      c.casts = casts;
      c.device = device;
      c.validation = validation;
      c.checkpointDir = checkpointDir;
      c.checkpointName = checkpointName;
      c.checkpointEvery = checkpointEvery;
      c.stageMeters = stageMeters;
      c.batchesAhead = batchesAhead;
      c.sampleInterval = sampleInterval;
      c.tuning = tuning;
      c.memoryBudget = memoryBudget;
      return c;
    }

    /** Fields that make the data NDList, in order; default field 0. */
    public Builder data(int... fields) {
      Builder c = copy();
      c.data = Tensors.checkFields(fields, "data");
      return c;
    }

    /** Fields that make the label NDList, in order; default field 1. */
    public Builder labels(int... fields) {
      Builder c = copy();
      c.labels = Tensors.checkFields(fields, "labels");
      return c;
    }

    /**
     * Converts {@code fields} to {@code type} on their way into NDArrays ({@link
     * Tensors.Builder#cast}), for training and validation: {@code DataType.INT64} for uint16 token
     * ids, {@code DataType.FLOAT32} for float64 features and regression targets.
     *
     * @throws IllegalArgumentException when {@code type} is not one DJL computes with, or a field
     *     index is negative
     */
    public Builder cast(DataType type, int... fields) {
      Builder c = copy();
      c.casts = Tensors.withCasts(casts, type, fields);
      return c;
    }

    /**
     * The device to put batches on; default the trainer's first device (a GPU when DJL finds one).
     */
    public Builder device(Device device) {
      Builder c = copy();
      c.device = Objects.requireNonNull(device, "device");
      return c;
    }

    /** Validation batches, subscribed afresh after every epoch. */
    public Builder validation(Supplier<Flux<Batch>> batches) {
      Objects.requireNonNull(batches, "batches");
      return validation(epoch -> batches.get());
    }

    /** Validation batches for the epoch just ended (the argument), run after every epoch. */
    public Builder validation(LongFunction<Flux<Batch>> batchesForEpoch) {
      Builder c = copy();
      c.validation = Objects.requireNonNull(batchesForEpoch, "batchesForEpoch");
      return c;
    }

    /** Saves a {@link Checkpoint} named {@code name} in {@code dir} at every epoch end. */
    public Builder checkpoints(Path dir, String name) {
      Builder c = copy();
      c.checkpointDir = Objects.requireNonNull(dir, "dir");
      c.checkpointName = Objects.requireNonNull(name, "name");
      return c;
    }

    /** Also saves a checkpoint every {@code batches} training batches; 0 (default) for never. */
    public Builder checkpointEvery(long batches) {
      if (batches < 0) {
        throw new IllegalArgumentException("checkpointEvery must be >= 0, was " + batches);
      }
      Builder c = copy();
      c.checkpointEvery = batches;
      return c;
    }

    /**
     * Meters of the stages before conversion, upstream first, such as {@code loader.gatherMeter()}
     * and the augmentation stage's meter; they appear in the report and decide the bottleneck.
     */
    public Builder stageMeters(StageMeter... meters) {
      Builder c = copy();
      c.stageMeters = List.of(meters);
      return c;
    }

    /**
     * The training thread's demand: batches requested ahead of the one it trains; default {@value
     * Tensors#DEFAULT_BATCHES_AHEAD}. Every stage before it reads only inside this demand, so it
     * bounds the batches in flight. The training thread asks for more in refills of half of this,
     * each right after taking a batch: a refill wakes the stages upstream, which costs the training
     * thread 25-80 µs on a VM, so with 8 that happens every 4 steps, and never between finishing a
     * step and starting the next. Up to this many batches hold pooled buffers, and on a GPU device
     * memory besides: lower it for very large batches. Unless set, the run's tuner chooses it (see
     * {@link #tuning(boolean)}); on a device other than the CPU the conversion thread still queues
     * at most the default.
     */
    public Builder batchesAhead(int batchesAhead) {
      if (batchesAhead < 1) {
        throw new IllegalArgumentException("batchesAhead must be >= 1, was " + batchesAhead);
      }
      Builder c = copy();
      c.batchesAhead = batchesAhead;
      return c;
    }

    /** How often the batches in flight between stages are sampled; default 250 ms. */
    public Builder sampleInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("sampleInterval must be positive, was " + interval);
      }
      Builder c = copy();
      c.sampleInterval = interval;
      return c;
    }

    /**
     * Whether a {@link Tuner} chooses, while the run goes, the stage sizes the user left unset
     * (default true): the knobs on the {@link #stageMeters} (the loader's {@code prefetch} and
     * {@code gatherThreads}, the augmentation's {@code parallelism}) and {@link #batchesAhead}. It
     * measures each stage's busy time and the training thread's data wait and climbs, as tf.data's
     * AUTOTUNE does, to the smallest setting predicted to keep the step fed, within {@link
     * #memoryBudget}. {@link TrainingReport#tuning()} says what it chose and why. Sizes set
     * explicitly are never changed.
     */
    public Builder tuning(boolean tuning) {
      Builder c = copy();
      c.tuning = tuning;
      return c;
    }

    /**
     * Bytes the tuned stage sizes may hold together, counting each batch gathered or waiting ahead
     * (default {@link Tuner#defaultBudget()}: a quarter of the JVM's maximum heap, at least 64
     * MiB). The tuner never goes above it; sizes set explicitly count towards it but stay as set.
     */
    public Builder memoryBudget(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("memoryBudget must be >= 0, was " + bytes);
      }
      Builder c = copy();
      c.memoryBudget = bytes;
      return c;
    }

    /** The options. */
    public TrainingOptions build() {
      if (checkpointEvery > 0 && checkpointDir == null) {
        throw new IllegalArgumentException(
            "checkpointEvery "
                + checkpointEvery
                + " needs a checkpoint directory: call checkpoints(dir, name)");
      }
      return new TrainingOptions(copy());
    }
  }
}
