package dev.memflux.core;

import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.Knob;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Streams the rows of one or more memory-mapped arrays as a backpressured {@code Flux<Batch>}.
 *
 * <pre>{@code
 * try (NpyArray x = NpyArray.open(Path.of("train_x.npy"));
 *      NpyArray y = NpyArray.open(Path.of("train_y.npy"))) {
 *   Loader loader = Loader.builder(x, y)
 *       .batchSize(256)
 *       .shuffle(Shuffle.random(42))
 *       .epochs(10)
 *       .build();
 *   loader.batches().subscribe(batch -> { try (batch) { train(batch); } });
 * }
 * }</pre>
 *
 * <p>Demand comes only from the subscriber: a batch is gathered only after it has been requested,
 * and at most {@link Builder#prefetch(int) prefetch} batches are gathered or being gathered ahead
 * of delivery, so memory in flight is bounded whatever the dataset size. Gathering (page faults and
 * copies) runs on the loader's own gather threads (or on {@link Builder#gatherScheduler(Scheduler)
 * the caller's scheduler}), and batches arrive in order whatever the thread count. Sample order is
 * a pure function of (seed, epoch, rank, worldSize), and {@link #resumeFrom(LoaderState)} continues
 * exactly after any batch.
 *
 * <p>Data larger than the memory the process may use is read out of core by default ({@link
 * IoMode}): instead of page faults, every batch allowed is read at once with exact positional
 * reads, {@link Builder#ioDepth(int) tens} in flight on the subscription's {@code memflux-io}
 * threads. {@link #io()} says how each field is read and why. The bytes and their order are the
 * same in every mode.
 *
 * <p>Batches are delivered on a gather thread: a subscriber doing heavy work per batch should move
 * it to its own thread (as the training stage does), or the next gather waits on it.
 *
 * <p><b>Tuning.</b> {@code prefetch} and {@code gatherThreads} are {@link Knob knobs} on the {@link
 * #gatherMeter()}: unless the builder set them, a {@link dev.memflux.core.tune.Tuner} (which {@code
 * Training.fit} runs) may change them while batches stream, within a memory budget. A change takes
 * effect at the next batch a worker takes: no gather in progress is interrupted, and a worker above
 * the new thread count ends after its batch.
 */
public final class Loader {

  private final Builder settings;
  private final IoSettings io;
  private final String data;
  private final LoaderState start;
  private final BufferPool pool;
  private final StageMeter gatherMeter;
  private final Knob prefetch;
  private final Knob gatherThreads;

  private Loader(
      Builder settings,
      IoSettings io,
      String data,
      LoaderState start,
      BufferPool pool,
      Knob prefetch,
      Knob gatherThreads) {
    this.settings = settings;
    this.io = io;
    this.data = data;
    this.start = start;
    this.pool = pool;
    this.prefetch = prefetch;
    this.gatherThreads = gatherThreads;
    // Read out of core, gathering only queues reads: the batches read at once are its workers.
    this.gatherMeter =
        io.choice().allMapped()
            ? new StageMeter("gather", gatherThreads.value(), gatherThreads, prefetch)
            : new StageMeter("gather", prefetch.value(), prefetch);
  }

  private Loader(Loader from, LoaderState start) {
    this.settings = from.settings;
    this.io = from.io;
    this.data = from.data;
    this.start = start;
    this.pool = from.pool;
    this.prefetch = from.prefetch;
    this.gatherThreads = from.gatherThreads;
    this.gatherMeter = from.gatherMeter;
  }

  /**
   * Starts a loader over {@code fields}: arrays with the same number of rows (features, labels,
   * anything). Row {@code i} of every field makes sample {@code i}.
   */
  public static Builder builder(NpyArray... fields) {
    return new Builder(fields);
  }

  /**
   * The batches, from this loader's start state to the last epoch. Cold: each subscription starts
   * afresh from the same state and gets its own gather threads (and, unless every field is {@link
   * IoMode#MAPPED}, its own {@code memflux-io} threads and file descriptors), released when it ends
   * (a gather scheduler given to the builder stays the caller's). A file that cannot be opened for
   * reading ends the Flux with its {@link IOException}.
   */
  public Flux<Batch> batches() {
    return gather().name("memflux.gather").tag("stage", "gather");
  }

  private Flux<Batch> gather() {
    return Flux.defer(
        () -> {
          Scheduler given = settings.gatherScheduler;
          boolean own = given == null;
          boolean shuffleAhead =
              settings.shuffle.materialises(rows()) && start.epoch() + 1 < settings.epochs;
          // One thread more than gather when the next epoch's order is computed ahead: on a
          // gather thread it would stop gathering for as long as the shuffle takes.
          // As many as a tuner may ask for: bounded elastic threads start only when needed.
          int threadCount = gatherThreads.max() + (shuffleAhead ? 1 : 0);
          GatherThreads threads =
              new GatherThreads(
                  given == null
                      ? Schedulers.newBoundedElastic(
                          threadCount, Integer.MAX_VALUE, "memflux-gather", 60, true)
                      : given,
                  own);
          BatchGatherer gatherer;
          try {
            gatherer =
                io.choice().allMapped()
                    ? new MappedGatherer(settings.fields, pool, batchRows())
                    : ReadingGatherer.open(settings.fields, io, pool, batchRows());
          } catch (IOException | RuntimeException e) {
            threads.release();
            return Flux.error(e);
          }
          OrdersAhead ahead =
              shuffleAhead ? new OrdersAhead(this::order, settings.epochs, threads) : null;
          GatherRun run =
              new GatherRun(
                  this,
                  planner(start, ahead == null ? this::order : ahead::order),
                  gatherer,
                  threads);
          return Flux.<Batch>create(run::start, FluxSink.OverflowStrategy.BUFFER)
              // A batch emitted into the sink's queue as a cancel lands is dropped by Reactor;
              // close it here, whether or not the subscriber installed a discard hook.
              .doOnDiscard(Batch.class, Batch::close)
              .doFinally(
                  signal -> {
                    // A caller's scheduler stays up after release: stop a queued computation.
                    if (ahead != null) {
                      ahead.close();
                    }
                    gatherer.close();
                    threads.release();
                  });
        });
  }

  /**
   * A loader with the same settings, pool and meter that starts just after the batch whose {@link
   * Batch#state()} is given. With the state of every rank ({@link LoaderState#merge}), a loader
   * with another {@code shard} world size finishes the epoch over exactly the samples that no rank
   * had read (elastic resume).
   *
   * @throws IllegalArgumentException naming what differs when the state comes from a loader over
   *     other data (row count, a field's dtype, shape or sampled content) or another shuffle, puts
   *     this rank past the end of its epoch, or does not know this rank's position
   */
  public Loader resumeFrom(LoaderState state) {
    Objects.requireNonNull(state, "state");
    var unused = planner(state, this::order); // validates the state now, not at subscription
    return new Loader(this, state);
  }

  private long rows() {
    return settings.fields[0].rows();
  }

  private SampleOrder order(long epoch) {
    return settings.shuffle.order(rows(), epoch);
  }

  private BatchPlanner planner(LoaderState from, LongFunction<SampleOrder> orders) {
    Builder b = settings;
    return new BatchPlanner(
        rows(),
        b.shuffle,
        data,
        orders,
        b.batchSize,
        b.dropLast,
        b.epochs,
        b.rank,
        b.worldSize,
        from);
  }

  /** The pool the batches' buffers come from; its outstanding count is zero when all are closed. */
  public BufferPool bufferPool() {
    return pool;
  }

  /**
   * How each field is read ({@link IoMode}), and why: what {@link Builder#io} asked for, resolved
   * at {@link Builder#build()} (for {@link IoMode#AUTO}, from the data's size against the memory
   * the process may use). Worth printing at the start of a run.
   */
  public IoChoice io() {
    return io.choice();
  }

  /**
   * Gather work: batches gathered and busy time of the gather threads. When fields are read from
   * their files (see {@link #io()}), a batch counts as busy from its first read queued to its last
   * finished, and the meter's workers are the {@code prefetch} batches read at once. Its {@link
   * StageMeter#knobs() knobs} are {@code gatherThreads} (mapped fields only) and {@code prefetch}.
   */
  public StageMeter gatherMeter() {
    return gatherMeter;
  }

  /** The state this loader starts from. */
  public LoaderState startState() {
    return start;
  }

  /** Samples per batch. */
  public int batchSize() {
    return settings.batchSize;
  }

  /** Batches gathered ahead of delivery, at most: now, when a tuner changes it. */
  public int prefetch() {
    return prefetch.value();
  }

  /** Threads gathering batches at once: now, when a tuner changes it. */
  public int gatherThreads() {
    return gatherThreads.value();
  }

  /** Reads in flight at once when fields are read from their files (see {@link #io()}). */
  public int ioDepth() {
    return io.depth();
  }

  /** Samples this rank reads in a full epoch. */
  public long samplesPerEpoch() {
    return BatchPlanner.usable(
        EpochPlan.full(rows()), settings.worldSize, settings.dropLast, settings.batchSize);
  }

  /** Batches this rank reads in a full epoch. */
  public long batchesPerEpoch() {
    return (samplesPerEpoch() + settings.batchSize - 1) / settings.batchSize;
  }

  /**
   * Names the file behind a fault. Reading a mapping whose file was truncated raises an
   * asynchronous {@link InternalError} that may surface just after the read, outside {@link
   * NpyArray}'s own handling; the shrunken file is the one to blame.
   */
  Throwable describeFault(Throwable t) {
    if (!(t instanceof InternalError)) {
      return t;
    }
    for (NpyArray f : settings.fields) {
      Path truncated = f.truncatedFile();
      if (truncated != null) {
        return new NpyAccessException(truncated, t);
      }
    }
    return t;
  }

  /** Rows a batch buffer holds: the batch size, capped by the rows a batch can actually get. */
  int batchRows() {
    Builder b = settings;
    return BatchPlanner.batchRows(rows(), b.worldSize, b.dropLast, b.batchSize);
  }

  /**
   * Settings for a {@link Loader}; immutable: each option returns a new builder, so a builder can
   * be shared and varied. {@link #build()} checks the settings.
   */
  public static final class Builder {
    /** The most batches a tuner gathers ahead. */
    public static final int MAX_PREFETCH = 32;

    private static final int DEFAULT_PREFETCH = 4;
    private final NpyArray[] fields;
    private int batchSize = 32;
    private boolean dropLast;
    private Shuffle shuffle = Shuffle.none();
    private int rank;
    private int worldSize = 1;
    private long epochs = 1;
    private int prefetch = DEFAULT_PREFETCH;
    private int gatherThreads = 1;
    // Set by the caller: no tuner changes them.
    private boolean prefetchSet;
    private boolean gatherThreadsSet;
    private @Nullable Scheduler gatherScheduler; // null: the loader's own threads
    private @Nullable BufferPool pool; // null: a pool of the loader's own
    private IoMode ioMode = IoMode.AUTO;
    private int ioDepth = 64;
    private @Nullable Long ioBudget; // null: the default, which depends on the JVM
    private MemoryProbe memoryProbe = MemoryProbe.system();
    private IoPolicy.DirectSupport directSupport = FileReader::directAlignment;

    private Builder(NpyArray[] fields) {
      Objects.requireNonNull(fields, "fields");
      this.fields = fields.clone();
    }

    private Builder with(Consumer<Builder> change) {
      Builder b = copy();
      change.accept(b);
      return b;
    }

    private Builder copy() {
      Builder b = new Builder(fields);
      b.batchSize = batchSize;
      b.dropLast = dropLast;
      b.shuffle = shuffle;
      b.rank = rank;
      b.worldSize = worldSize;
      b.epochs = epochs;
      b.prefetch = prefetch;
      b.gatherThreads = gatherThreads;
      b.prefetchSet = prefetchSet;
      b.gatherThreadsSet = gatherThreadsSet;
      b.gatherScheduler = gatherScheduler;
      b.pool = pool;
      b.ioMode = ioMode;
      b.ioDepth = ioDepth;
      b.ioBudget = ioBudget;
      b.memoryProbe = memoryProbe;
      b.directSupport = directSupport;
      return b;
    }

    /** Samples per batch (default 32). */
    public Builder batchSize(int batchSize) {
      return with(b -> b.batchSize = batchSize);
    }

    /**
     * Drop the incomplete last batch of each epoch (default false). With {@link #shard}, true also
     * cuts the epoch to a multiple of the world size instead of padding it by wrapping around.
     */
    public Builder dropLast(boolean dropLast) {
      return with(b -> b.dropLast = dropLast);
    }

    /** Row order within an epoch (default {@link Shuffle#none()}). */
    public Builder shuffle(Shuffle shuffle) {
      return with(b -> b.shuffle = Objects.requireNonNull(shuffle, "shuffle"));
    }

    /**
     * Read only this rank's part of each epoch, with PyTorch {@code DistributedSampler} semantics:
     * the same permutation on every rank, rank {@code r} takes positions {@code r, r + worldSize,
     * ...}.
     */
    public Builder shard(int rank, int worldSize) {
      return with(
          b -> {
            b.rank = rank;
            b.worldSize = worldSize;
          });
    }

    /** Number of epochs (default 1); {@code Long.MAX_VALUE} for an endless stream. */
    public Builder epochs(long epochs) {
      return with(b -> b.epochs = epochs);
    }

    /**
     * Batches gathered ahead of delivery, at most (default 4; unless set here, a tuner may change
     * it while batches stream, from 1 to {@value #MAX_PREFETCH}).
     */
    public Builder prefetch(int prefetch) {
      return with(
          b -> {
            b.prefetch = prefetch;
            b.prefetchSet = true;
          });
    }

    /**
     * Threads gathering batches, one batch per thread at a time (default 1). With a materialised
     * {@link Shuffle#random} and a later epoch to read, the loader's own scheduler has one thread
     * more, which shuffles the next epoch while this one is read (on a {@link #gatherScheduler}
     * that work takes one of its threads). Unless set here (or a {@link #gatherScheduler} given), a
     * tuner may change it while batches stream, from 1 to the available processors.
     */
    public Builder gatherThreads(int gatherThreads) {
      return with(
          b -> {
            b.gatherThreads = gatherThreads;
            b.gatherThreadsSet = true;
          });
    }

    /**
     * Gather on a scheduler of the caller's instead of the loader's own threads; the caller keeps
     * ownership and disposes it. Must allow blocking work (not {@link Schedulers#parallel()}).
     */
    public Builder gatherScheduler(Scheduler scheduler) {
      return with(b -> b.gatherScheduler = Objects.requireNonNull(scheduler, "scheduler"));
    }

    /** Take batch buffers from this pool (default: a pool of the loader's own). */
    public Builder bufferPool(BufferPool pool) {
      return with(b -> b.pool = Objects.requireNonNull(pool, "pool"));
    }

    /**
     * How to read the fields (default {@link IoMode#AUTO}: mapped while the data fits in the memory
     * the process may use, {@code O_DIRECT} reads many at a time when it does not). {@link
     * Loader#io()} reports what was chosen and why. Every mode delivers the same bytes in the same
     * order.
     */
    public Builder io(IoMode mode) {
      return with(b -> b.ioMode = Objects.requireNonNull(mode, "mode"));
    }

    /**
     * Reads in flight at once when fields are read from their files (default 64): the number of
     * {@code memflux-io} threads, each in one blocking read at a time. An SSD needs a queue depth
     * of tens for its random-read rate; threads keep the device's queue fullest with a margin over
     * that, since some are always between reads (copying, being scheduled).
     */
    public Builder ioDepth(int depth) {
      return with(b -> b.ioDepth = depth);
    }

    /**
     * Memory for the cache of whole blocks that {@link Shuffle#blocks} reads when fields are read
     * from their files (default 256 MiB, or a third of the JVM's direct-memory limit when that is
     * less: 82 MB in a 1 GiB container with default JVM settings): a window of blocks is read whole
     * when twice its size fits, else its rows are read one by one ({@link Loader#io()} says which).
     * Besides it and the batches' own buffers, reads in flight hold at most {@link #ioDepth} read
     * buffers of 1 MiB (less when direct memory is small), in practice no more than the bytes of
     * the batches being read.
     */
    public Builder ioBudget(long bytes) {
      return with(b -> b.ioBudget = bytes);
    }

    /** Tests decide {@link IoMode#AUTO} on a made-up machine. */
    Builder memoryProbe(MemoryProbe probe, IoPolicy.DirectSupport direct) {
      return with(
          b -> {
            b.memoryProbe = probe;
            b.directSupport = direct;
          });
    }

    /**
     * Checks the settings and makes the loader.
     *
     * @throws IllegalArgumentException naming the first bad option and its value
     */
    public Loader build() {
      if (fields.length == 0) {
        throw new IllegalArgumentException("a loader needs at least one field");
      }
      for (int f = 0; f < fields.length; f++) {
        Objects.requireNonNull(fields[f], "fields[" + f + "]");
        if (!fields[f].isOpen()) {
          throw new IllegalArgumentException(
              "field " + f + " (" + fields[f].name() + ") is closed");
        }
        if (fields[f].rows() != fields[0].rows()) {
          throw new IllegalArgumentException(
              "fields must have equal row counts: "
                  + fields[0].name()
                  + " has "
                  + fields[0].rows()
                  + " rows, "
                  + fields[f].name()
                  + " has "
                  + fields[f].rows());
        }
      }
      require(batchSize >= 1, "batchSize", batchSize, ">= 1");
      require(prefetch >= 1, "prefetch", prefetch, ">= 1");
      require(gatherThreads >= 1, "gatherThreads", gatherThreads, ">= 1");
      require(epochs >= 1, "epochs", epochs, ">= 1");
      require(worldSize >= 1, "shard worldSize", worldSize, ">= 1");
      require(rank >= 0 && rank < worldSize, "shard rank", rank, "in [0, " + worldSize + ")");
      require(ioDepth >= 1 && ioDepth <= 1024, "ioDepth", ioDepth, "in [1, 1024]");
      if (ioBudget != null) {
        require(ioBudget >= 0, "ioBudget", ioBudget, ">= 0");
      }
      int batchRows = BatchPlanner.batchRows(fields[0].rows(), worldSize, dropLast, batchSize);
      for (NpyArray f : fields) {
        if (f.rowBytes() * batchRows > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "batchSize "
                  + batchSize
                  + " makes a batch of "
                  + f.name()
                  + " "
                  + f.rowBytes() * batchRows
                  + " bytes, above the 2 GiB a buffer can hold");
        }
      }
      String data = DataFingerprint.of(fields);
      LoaderState start =
          LoaderState.epochStart(0, fields[0].rows(), shuffle.toString(), data, worldSize);
      IoSettings io =
          IoSettings.resolve(
              fields,
              shuffle,
              ioMode,
              ioDepth,
              ioBudget == null ? -1 : ioBudget,
              memoryProbe,
              directSupport);
      Knob ahead = prefetchKnob(io.choice().allMapped());
      long batchBytes = 0;
      for (NpyArray f : fields) {
        batchBytes += f.rowBytes() * batchRows;
      }
      ahead.bytesPerUnit(batchBytes);
      return new Loader(
          this,
          io,
          data,
          start,
          pool != null ? pool : new BufferPool(Math.max(16, ahead.max() * 2)),
          ahead,
          threadsKnob());
    }

    /**
     * Batches ahead: a buffer when mapped, the reads in flight when read from the files (gathering
     * then only queues reads, so the batches read at once are all the stage's concurrency).
     */
    private Knob prefetchKnob(boolean mapped) {
      Knob.Kind kind = mapped ? Knob.Kind.BUFFER : Knob.Kind.READS;
      return prefetchSet
          ? Knob.fixed("prefetch", kind, prefetch)
          : Knob.tunable("prefetch", kind, prefetch, 1, MAX_PREFETCH);
    }

    private Knob threadsKnob() {
      // With the caller's scheduler, how many threads it has is the caller's business.
      if (gatherThreadsSet || gatherScheduler != null) {
        return Knob.fixed("gatherThreads", Knob.Kind.THREADS, gatherThreads);
      }
      int cpus = Runtime.getRuntime().availableProcessors();
      return Knob.tunable("gatherThreads", Knob.Kind.THREADS, gatherThreads, 1, Math.max(1, cpus));
    }

    private static void require(boolean ok, String option, long value, String rule) {
      if (!ok) {
        throw new IllegalArgumentException(option + " must be " + rule + ", was " + value);
      }
    }
  }
}
