package dev.memflux.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.StageException;
import dev.memflux.core.stage.StageLifecycle;
import dev.memflux.core.stage.StageMeter;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The tensor stage: turns host batches into DJL batches whose NDArrays live on the target device.
 *
 * <pre>{@code
 * Tensors tensors = Tensors.builder(trainer.getManager())
 *     .data(0).labels(1)              // field 0 is the input, field 1 the label
 *     .cast(DataType.FLOAT32, 0, 1)   // float64 features and targets, as a model computes
 *     .build();                       // device: the manager's (a GPU when DJL finds one)
 * loader.batches().transform(tensors).subscribe(batch -> {
 *   try (batch) {                     // closing frees the NDArrays and the host buffers
 *     EasyTrain.trainBatch(trainer, batch);
 *     trainer.step();
 *   }
 * });
 * }</pre>
 *
 * <p><b>Where it runs.</b> On a CPU device the NDArrays are made without a copy (they point into
 * the host batch's pooled direct buffers), which takes microseconds: the conversion runs on the
 * thread that delivers the host batch, with no hand-off to another thread, which on a small machine
 * would cost more than the conversion. On any other device the data is copied to the device, on a
 * conversion thread of the subscription's own ({@code memflux-convert}) that runs {@link
 * Builder#batchesAhead(int) batchesAhead} batches ahead of the consumer, inside the demand the
 * consumer gave, so the copy overlaps the training step.
 *
 * <p><b>Ownership.</b> Each DJL batch has its own {@link NDManager}, a child of the parent manager.
 * On a CPU device the host batch is closed (its buffers return to the pool) only when the DJL batch
 * is closed; keep no NDArray of a batch beyond its close ({@code duplicate()} one into another
 * manager to keep it). On another device the host batch is closed once copied.
 *
 * <p><b>Casts.</b> A field given to {@link Builder#cast} becomes an NDArray of that type: uint16
 * tokens the int64 an embedding takes, float64 features float32. A type DJL holds is converted by
 * the engine, on the device; int16, uint16, uint32 and uint64, which DJL cannot hold, are widened
 * on the conversion thread into buffers of a pool of the stage's own ({@link #castPool()}),
 * returned when the batch closes. A cast field is a copy: it never aliases the host batch.
 *
 * <p><b>Release.</b> Whoever receives a DJL batch closes it. Batches the stage still holds when the
 * subscription is cancelled or fails are closed by the stage; add {@code
 * doOnDiscard(ai.djl.training.dataset.Batch.class, b -> b.close())} downstream for operators of
 * your own that may drop batches (closing twice is harmless). Nothing is read before it is
 * requested.
 */
public final class Tensors implements Function<Flux<Batch>, Flux<ai.djl.training.dataset.Batch>> {

  /** Batches converted ahead by default, here and in {@link TrainingOptions}. */
  static final int DEFAULT_BATCHES_AHEAD = 8;

  private final NDManager parent;
  private final Device device;
  private final int[] data;
  private final int[] labels;

  /** Per field index, the type to cast it to; shorter than the field count, or null entries. */
  private final @Nullable DataType[] casts;

  private final BufferPool castPool = new BufferPool();
  private final int batchesAhead;
  private final StageMeter meter;
  private final boolean devicePath;

  private Tensors(Builder b) {
    this.parent = b.parent;
    this.device = b.device != null ? b.device : b.parent.getDevice();
    this.data = b.data;
    this.labels = b.labels;
    this.casts = b.casts;
    this.batchesAhead = b.batchesAhead;
    this.meter = b.meter != null ? b.meter : new StageMeter("convert", 1);
    this.devicePath = b.devicePath || !aliases(device);
  }

  /**
   * Starts a tensor stage whose batch managers are children of {@code parent}, typically {@code
   * trainer.getManager()}.
   */
  public static Builder builder(NDManager parent) {
    return new Builder(Objects.requireNonNull(parent, "parent"));
  }

  /**
   * Converts {@code hostBatches}.
   *
   * @return DJL batches in the order of the host batches; close each one after use
   */
  @Override
  public Flux<ai.djl.training.dataset.Batch> apply(Flux<Batch> hostBatches) {
    return Flux.from(convert(hostBatches, () -> {}));
  }

  /** Busy time and count of conversions, over every subscription. */
  public StageMeter meter() {
    return meter;
  }

  /**
   * The pool of the buffers that int16, uint16, uint32 and uint64 fields are widened into by a
   * {@link Builder#cast}; none outstanding once every batch is closed.
   */
  public BufferPool castPool() {
    return castPool;
  }

  /**
   * The conversion, for callers that need the memflux view of each batch and to know when the stage
   * has released everything it held.
   *
   * @param released run once per subscription, after every batch the stage still held is closed and
   *     a conversion thread, if any, has finished its last conversion
   */
  Flux<TensorBatch> convert(Flux<? extends Batch> hostBatches, Runnable released) {
    Objects.requireNonNull(hostBatches, "hostBatches");
    Objects.requireNonNull(released, "released");
    return StageLifecycle.run(
        "convert",
        Flux.<Batch>from(hostBatches),
        life -> new Conversion(life, released),
        Conversion::apply,
        Conversion::close);
  }

  /**
   * A copy of {@code fields} after checking that none is negative; shared with {@link
   * TrainingOptions} so both reject bad indices when they are set, with the same message.
   */
  static int[] checkFields(int[] fields, String option) {
    for (int f : fields) {
      if (f < 0) {
        throw new IllegalArgumentException(
            option + " field indices must be >= 0, was " + Arrays.toString(fields));
      }
    }
    return fields.clone();
  }

  /**
   * {@code casts} with {@code fields} set to {@code type}, checked; shared by the builders that
   * take casts.
   */
  static @Nullable DataType[] withCasts(@Nullable DataType[] casts, DataType type, int[] fields) {
    DataType target = FieldCast.checkTarget(type);
    int[] checked = checkFields(fields, "cast");
    int size = casts.length;
    for (int f : checked) {
      size = Math.max(size, f + 1);
    }
    @Nullable DataType[] out = Arrays.copyOf(casts, size);
    for (int f : checked) {
      out[f] = target;
    }
    return out;
  }

  /** {@code batchesAhead} after checking it is positive; shared by the builders that take it. */
  static int checkBatchesAhead(int batchesAhead) {
    if (batchesAhead < 1) {
      throw new IllegalArgumentException("batchesAhead must be >= 1, was " + batchesAhead);
    }
    return batchesAhead;
  }

  /** Whether NDArrays on {@code device} point into host memory instead of copying it. */
  private static boolean aliases(Device device) {
    return device.getDeviceType().equals(Device.Type.CPU);
  }

  private NDList arrays(Batch host, int[] fields, NDManager manager, boolean duplicate) {
    NDList list = new NDList(fields.length);
    for (int f : fields) {
      if (f >= host.fieldCount()) {
        throw new IllegalArgumentException(
            "field " + f + " requested but the batches have " + host.fieldCount() + " fields");
      }
      @Nullable DataType cast = f < casts.length ? casts[f] : null;
      @Nullable DataType own = DataTypes.orNull(host.fieldType(f));
      if (cast != null && cast != own) {
        list.add(FieldCast.cast(host, f, cast, manager, castPool, aliases(device), !duplicate));
        continue;
      }
      // field(f) is a direct, native-order view starting at 0: what from_blob reads as is.
      NDArray array =
          manager.create(
              host.field(f), new Shape(host.fieldShape(f)), DataTypes.of(host.fieldType(f)));
      if (duplicate) {
        // on a GPU create() copied already; on the CPU it aliased the buffer, so copy it here
        NDArray aliasing = array;
        array = aliasing.duplicate();
        aliasing.close();
      }
      list.add(array);
    }
    return list;
  }

  /** One subscription: its conversion thread, if it has one, and what it holds. */
  private final class Conversion {
    private final StageLifecycle life;
    private final Runnable released;
    private final @Nullable Scheduler thread; // only on the device path

    Conversion(StageLifecycle life, Runnable released) {
      this.life = life;
      this.released = released;
      // Daemon: a subscriber that never terminates must not keep the JVM alive.
      this.thread = devicePath ? Schedulers.newSingle("memflux-convert", true) : null;
    }

    Flux<TensorBatch> apply(Flux<Batch> hostBatches) {
      return thread == null
          ? hostBatches.map(this::toTensors)
          : hostBatches.publishOn(thread, batchesAhead).map(this::toTensors);
    }

    private TensorBatch toTensors(Batch host) {
      life.handedOn(host);
      long start = System.nanoTime();
      NDManager manager = null;
      try {
        manager = parent.newSubManager(device);
        // torch::from_blob keeps pointing at the buffer on a CPU device: the host batch must live
        // as long as the tensors, so the batch manager closes it. Any other device gets a copy.
        boolean aliased = !devicePath;
        if (aliased) {
          manager.attachInternal("memflux-host-batch", host);
        }
        // the device path on the CPU (tests): create() aliased, so copy as a device would
        boolean duplicate = devicePath && aliases(device);
        NDList x = arrays(host, data, manager, duplicate);
        NDList y = arrays(host, labels, manager, duplicate);
        TensorBatch batch = new TensorBatch(manager, x, y, host);
        if (!aliased) {
          host.close();
        }
        meter.recordSince(start);
        // held until delivered; closed at once should the stage have ended meanwhile
        return life.arrived(batch);
      } catch (RuntimeException | Error e) {
        if (manager != null) {
          manager.close();
        }
        host.close();
        throw new StageException(
            "convert", "batch " + host.sequence() + " of epoch " + host.epoch(), e);
      }
    }

    /** The lifecycle closed what was held; a thread ends after its conversion in progress. */
    void close() {
      Scheduler thread = this.thread;
      if (thread == null) {
        released.run();
        return;
      }
      try {
        thread.schedule(
            () -> {
              try {
                released.run();
              } finally {
                thread.dispose();
              }
            });
      } catch (RejectedExecutionException e) {
        released.run();
      }
    }
  }

  /** Configures a {@link Tensors} stage; immutable: each option returns a new builder. */
  public static final class Builder {
    private final NDManager parent;
    private @Nullable Device device; // null: the manager's
    private int[] data = {0};
    private int[] labels = {1};
    private @Nullable DataType[] casts = new DataType[0];
    private int batchesAhead = DEFAULT_BATCHES_AHEAD;
    private @Nullable StageMeter meter; // null: a new "convert" meter
    private boolean devicePath;

    private Builder(NDManager parent) {
      this.parent = parent;
    }

    private Builder copy() {
      Builder c = new Builder(parent);
      c.device = device;
      c.data = data;
      c.labels = labels;
      c.casts = casts;
      c.batchesAhead = batchesAhead;
      c.meter = meter;
      c.devicePath = devicePath;
      return c;
    }

    /** The fields that become the batch's data NDList, in order; default field 0. */
    public Builder data(int... fields) {
      Builder c = copy();
      c.data = checkFields(fields, "data");
      return c;
    }

    /** The fields that become the batch's label NDList, in order; default field 1; may be empty. */
    public Builder labels(int... fields) {
      Builder c = copy();
      c.labels = checkFields(fields, "labels");
      return c;
    }

    /**
     * Makes the NDArrays of {@code fields} of type {@code type}: {@code DataType.INT64} for uint16
     * or int32 token ids (an embedding's indices), {@code DataType.FLOAT32} for float64 features
     * and targets. A later cast of the same field replaces an earlier one.
     *
     * @throws IllegalArgumentException when {@code type} is not one DJL computes with (bool, uint8,
     *     int8, int32, int64, float16, float32, float64), or a field index is negative
     */
    public Builder cast(DataType type, int... fields) {
      Builder c = copy();
      c.casts = withCasts(casts, type, fields);
      return c;
    }

    /**
     * The device for the NDArrays; default the parent manager's device, which DJL sets to the first
     * GPU when it finds one and to the CPU otherwise.
     */
    public Builder device(Device device) {
      Builder c = copy();
      c.device = Objects.requireNonNull(device, "device");
      return c;
    }

    /**
     * How many host batches the conversion thread takes ahead of the consumer, within the demand
     * the consumer gave; default {@value Tensors#DEFAULT_BATCHES_AHEAD}, as in {@link
     * TrainingOptions}. Only a device other than the CPU has a conversion thread. Each batch ahead
     * holds pooled buffers and device memory until it is trained.
     */
    public Builder batchesAhead(int batchesAhead) {
      Builder c = copy();
      c.batchesAhead = checkBatchesAhead(batchesAhead);
      return c;
    }

    /** The meter conversions are recorded in; default a new {@code "convert"} meter. */
    public Builder meter(StageMeter meter) {
      Builder c = copy();
      c.meter = Objects.requireNonNull(meter, "meter");
      return c;
    }

    /**
     * Takes the path of devices other than the CPU on the CPU too: a conversion thread of its own,
     * the data copied and the host batch closed at conversion. For tests, so the device path runs
     * without a GPU.
     */
    Builder devicePath() {
      Builder c = copy();
      c.devicePath = true;
      return c;
    }

    /** The configured stage. */
    public Tensors build() {
      return new Tensors(this);
    }
  }
}
