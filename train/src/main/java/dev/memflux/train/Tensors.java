package dev.memflux.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.memflux.core.Batch;
import dev.memflux.core.InFlight;
import dev.memflux.core.StageException;
import dev.memflux.core.StageMeter;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The tensor stage: turns host batches into DJL batches whose NDArrays live on the target device,
 * on a conversion thread of its own that runs ahead of the consumer so conversion overlaps the
 * training step.
 *
 * <pre>{@code
 * Tensors tensors = Tensors.builder(trainer.getManager())
 *     .data(0).labels(1)              // field 0 is the input, field 1 the label
 *     .build();                       // device: the manager's (a GPU when DJL finds one)
 * loader.batches().transform(tensors).subscribe(batch -> {
 *   try (batch) {                     // closing frees the NDArrays and the host buffers
 *     EasyTrain.trainBatch(trainer, batch);
 *     trainer.step();
 *   }
 * });
 * }</pre>
 *
 * <p><b>Ownership.</b> Each DJL batch has its own {@link NDManager}, a child of the parent manager.
 * On a CPU device the NDArrays are made without a copy: they point into the host batch's pooled
 * direct buffers, so the host batch is closed (its buffers return to the pool) only when the DJL
 * batch is closed. Keep no NDArray of a batch beyond its close; {@code duplicate()} one into
 * another manager to keep it. On a GPU the data is copied to the device during conversion and the
 * host batch is closed at once.
 *
 * <p><b>Release.</b> Whoever receives a DJL batch closes it. Batches the stage still holds when the
 * subscription is cancelled or fails are closed by the stage, including those Reactor's queues
 * would drop; add {@code doOnDiscard(ai.djl.training.dataset.Batch.class, b -> b.close())}
 * downstream for operators of your own that may drop batches (closing twice is harmless).
 *
 * <p>Each subscription gets its own conversion thread ({@code memflux-convert}), disposed when the
 * subscription ends.
 */
public final class Tensors implements Function<Flux<Batch>, Flux<ai.djl.training.dataset.Batch>> {

  private final NDManager parent;
  private final Device device;
  private final int[] data;
  private final int[] labels;
  private final int batchesAhead;
  private final StageMeter meter;
  private final boolean copyOnCpu;

  private Tensors(Builder b) {
    this.parent = b.parent;
    this.device = b.device != null ? b.device : b.parent.getDevice();
    this.data = b.data;
    this.labels = b.labels;
    this.batchesAhead = b.batchesAhead;
    this.meter = b.meter != null ? b.meter : new StageMeter("convert", 1);
    this.copyOnCpu = b.copyOnCpu;
  }

  /**
   * Starts a tensor stage whose batch managers are children of {@code parent}, typically {@code
   * trainer.getManager()}.
   */
  public static Builder builder(NDManager parent) {
    return new Builder(Objects.requireNonNull(parent, "parent"));
  }

  /**
   * Converts {@code hostBatches}; each subscription converts on its own thread.
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
   * The conversion, for callers that need the memflux view of each batch and to know when the stage
   * has released everything it held.
   *
   * @param released run once per subscription, after every batch the stage still held is closed and
   *     its thread is going away; before the terminal signal on completion and error
   */
  Flux<TensorBatch> convert(Flux<? extends Batch> hostBatches, Runnable released) {
    Objects.requireNonNull(hostBatches, "hostBatches");
    return Flux.usingWhen(
            Mono.fromSupplier(Subscription::new),
            sub ->
                hostBatches
                    .doOnNext(sub.pending::add)
                    .publishOn(sub.thread, batchesAhead)
                    .map(host -> toTensors(host, sub)),
            sub -> sub.release(released),
            (sub, error) -> sub.release(released),
            sub -> sub.release(released))
        .doOnDiscard(Batch.class, Batch::close)
        .doOnDiscard(TensorBatch.class, TensorBatch::close)
        .name("memflux.convert")
        .tag("stage", "convert");
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

  /** {@code batchesAhead} after checking it is positive; shared by the builders that take it. */
  static int checkBatchesAhead(int batchesAhead) {
    if (batchesAhead < 1) {
      throw new IllegalArgumentException("batchesAhead must be >= 1, was " + batchesAhead);
    }
    return batchesAhead;
  }

  private TensorBatch toTensors(Batch host, Subscription sub) {
    sub.pending.remove(host);
    long start = System.nanoTime();
    NDManager manager = null;
    try {
      manager = parent.newSubManager(device);
      // torch::from_blob keeps pointing at the buffer on a CPU device: the host batch must live
      // as long as the tensors, so the batch manager closes it. Any other device gets a copy.
      boolean cpu = device.getDeviceType().equals(Device.Type.CPU);
      boolean aliased = cpu && !copyOnCpu;
      if (aliased) {
        manager.attachInternal("memflux-host-batch", host);
      }
      NDList x = arrays(host, data, manager, cpu && copyOnCpu);
      NDList y = arrays(host, labels, manager, cpu && copyOnCpu);
      TensorBatch batch = new TensorBatch(manager, x, y, host);
      if (!aliased) {
        host.close();
      }
      meter.recordSince(start);
      return batch;
    } catch (RuntimeException | Error e) {
      if (manager != null) {
        manager.close();
      }
      host.close();
      throw new StageException(
          "convert", "batch " + host.sequence() + " of epoch " + host.epoch(), e);
    }
  }

  private static NDList arrays(Batch host, int[] fields, NDManager manager, boolean duplicate) {
    NDList list = new NDList(fields.length);
    for (int f : fields) {
      if (f >= host.fieldCount()) {
        throw new IllegalArgumentException(
            "field " + f + " requested but the batches have " + host.fieldCount() + " fields");
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

  /** What one subscription owns: its conversion thread and the host batches not yet converted. */
  private static final class Subscription {
    final Scheduler thread = Schedulers.newSingle("memflux-convert");
    final InFlight<Batch> pending = new InFlight<>();

    /** Closes the leftovers on the conversion thread, after any conversion in progress. */
    Mono<Void> release(Runnable released) {
      return Mono.<Void>fromRunnable(
              () -> {
                try {
                  pending.closeAll();
                } finally {
                  thread.disposeGracefully().subscribe();
                  released.run();
                }
              })
          .subscribeOn(thread);
    }
  }

  /** Configures a {@link Tensors} stage. */
  public static final class Builder {
    private final NDManager parent;
    private Device device;
    private int[] data = {0};
    private int[] labels = {1};
    private int batchesAhead = 2;
    private StageMeter meter;
    private boolean copyOnCpu;

    private Builder(NDManager parent) {
      this.parent = parent;
    }

    /** The fields that become the batch's data NDList, in order; default field 0. */
    public Builder data(int... fields) {
      this.data = checkFields(fields, "data");
      return this;
    }

    /** The fields that become the batch's label NDList, in order; default field 1; may be empty. */
    public Builder labels(int... fields) {
      this.labels = checkFields(fields, "labels");
      return this;
    }

    /**
     * The device for the NDArrays; default the parent manager's device, which DJL sets to the first
     * GPU when it finds one and to the CPU otherwise.
     */
    public Builder device(Device device) {
      this.device = Objects.requireNonNull(device, "device");
      return this;
    }

    /**
     * How many host batches the conversion thread takes ahead of the consumer; default 2. Each
     * holds pooled buffers (and, on a GPU, device memory) until it is trained.
     */
    public Builder batchesAhead(int batchesAhead) {
      this.batchesAhead = checkBatchesAhead(batchesAhead);
      return this;
    }

    /** The meter conversions are recorded in; default a new {@code "convert"} meter. */
    public Builder meter(StageMeter meter) {
      this.meter = Objects.requireNonNull(meter, "meter");
      return this;
    }

    /**
     * Takes the path of non-CPU devices on the CPU too: the data is copied and the host batch
     * closed at once on the conversion thread. For tests, so the device path runs without a GPU.
     */
    Builder copyOnCpu(boolean copy) {
      this.copyOnCpu = copy;
      return this;
    }

    /** The configured stage. */
    public Tensors build() {
      return new Tensors(this);
    }
  }
}
