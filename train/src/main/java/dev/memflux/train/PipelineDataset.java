package dev.memflux.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Dataset;
import ai.djl.util.Progress;
import dev.memflux.core.Batch;
import dev.memflux.core.tune.Knob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/**
 * A memflux pipeline as a DJL {@link Dataset}, for {@code EasyTrain.fit}, {@code
 * trainer.iterateDataset} and other DJL tooling: each {@link #getData(NDManager)} pass delivers the
 * batches of one epoch, converted to NDArrays by a {@link Tensors} stage running ahead of the
 * trainer.
 *
 * <pre>{@code
 * Loader loader = Loader.builder(x, y).batchSize(128).shuffle(Shuffle.random(42)).epochs(5).build();
 * try (PipelineDataset train = PipelineDataset.builder(loader.batches().transform(augment)).build();
 *      PipelineDataset test = PipelineDataset.builder(testLoader.batches()).repeat().build()) {
 *   config.addTrainingListeners(new DataWaitListener(train));   // data wait per epoch
 *   try (Trainer trainer = model.newTrainer(config)) {
 *     EasyTrain.fit(trainer, 5, train, test);
 *   }
 * }
 * }</pre>
 *
 * <p><b>Epochs.</b> The batches are subscribed to once, at the first pass, and that subscription
 * spans every pass, so the loader's look-ahead (its gather threads, the next epoch's shuffle, the
 * conversions ahead) carries on across epoch ends. A pass ends when a batch of the next {@link
 * Batch#epoch()} arrives (it opens the next pass) or the batches complete; passes after the last
 * epoch are empty. So give the loader at least as many epochs as DJL runs. {@link Builder#repeat()}
 * subscribes afresh for every pass instead: for validation batches, which a one-epoch loader
 * delivers again and again.
 *
 * <p><b>Demand and ownership.</b> Nothing is read before the first pass starts; at most {@link
 * Builder#batchesAhead(int)} converted batches (and as many host batches) wait for the trainer.
 * Whoever takes a batch closes it ({@code EasyTrain.fit} does). A pass left before its end (a
 * {@code break}, an exception) is finished by the next pass, which closes the rest of that epoch's
 * batches first. {@link #close()} cancels the subscription and closes every batch the dataset still
 * holds, plus the one handed out last, which DJL leaves open when a training step throws; it
 * returns once the pool buffers are back. Close the dataset when training ends: until then the
 * subscription and its threads stay alive.
 *
 * <p>Not thread-safe: iterate passes one after the other, on one thread at a time.
 */
public final class PipelineDataset implements Dataset, AutoCloseable {

  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

  private final Flux<Batch> batches;
  private final int[] data;
  private final int[] labels;
  private final int batchesAhead;
  private final boolean repeat;
  private final List<DataWait> passes = new ArrayList<>();
  private final LongAdder totalWaitNanos = new LongAdder();

  // Set by the first getData: every pass converts onto that manager.
  private @Nullable NDManager manager;
  private @Nullable Tensors tensors;
  private @Nullable Subscription subscription;
  private @Nullable Pass current;
  private boolean closed;

  private PipelineDataset(Builder b) {
    this.batches = b.batches;
    this.data = b.data;
    this.labels = b.labels;
    this.batchesAhead = b.batchesAhead;
    this.repeat = b.repeat;
  }

  /**
   * Starts a dataset over {@code batches}: the host batches of every epoch, such as {@code
   * loader.batches().transform(augment)}.
   */
  public static Builder builder(Flux<Batch> batches) {
    return new Builder(Objects.requireNonNull(batches, "batches"));
  }

  /**
   * One pass: the batches of the next epoch, as DJL batches whose managers are children of {@code
   * manager}. Every pass must use the same manager, typically {@code trainer.getManager()}, since
   * batches converted ahead already belong to it.
   *
   * @throws IllegalArgumentException if {@code manager} is not the manager of the first pass
   * @throws IllegalStateException if the dataset is closed
   */
  @Override
  public Iterable<ai.djl.training.dataset.Batch> getData(NDManager manager) {
    Objects.requireNonNull(manager, "manager");
    if (closed) {
      throw new IllegalStateException("the dataset is closed");
    }
    if (this.manager == null) {
      this.manager = manager;
      this.tensors =
          Tensors.builder(manager).data(data).labels(labels).batchesAhead(batchesAhead).build();
    } else if (this.manager != manager) {
      throw new IllegalArgumentException(
          "getData must get the same NDManager on every pass (the batches converted ahead belong"
              + " to it): first "
              + this.manager
              + ", now "
              + manager);
    }
    return this::startPass;
  }

  /** Nothing to prepare: the pipeline starts at the first pass. */
  @Override
  public void prepare(Progress progress) {}

  /**
   * Seconds the trainer has waited for a batch, over every pass so far including the one in
   * progress; may be read from any thread (for {@link PipelineMetrics}).
   */
  public double dataWaitSeconds() {
    return totalWaitNanos.sum() / 1e9;
  }

  /** The data wait of every finished pass, oldest first. */
  public List<DataWait> dataWait() {
    return List.copyOf(passes);
  }

  /**
   * Cancels the batches and closes everything the dataset holds, waiting (up to 30 s) for the
   * conversion thread to release its own; idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (current != null) {
      current.closeHandedOut();
    }
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
  }

  private Iterator<ai.djl.training.dataset.Batch> startPass() {
    if (closed) {
      throw new IllegalStateException("the dataset is closed");
    }
    Pass previous = current;
    if (repeat && subscription != null) {
      subscription.close();
      subscription = null;
    }
    Subscription feed = subscription;
    if (feed == null) {
      feed = new Subscription(Objects.requireNonNull(tensors, "set by getData"));
      subscription = feed;
    }
    // a pass left early is finished by skipping the rest of its epoch, unless it was resubscribed
    boolean unfinished = !repeat && previous != null && !previous.ended;
    Pass pass = new Pass(feed, unfinished && previous != null ? previous.epoch : -1);
    current = pass;
    return pass;
  }

  /**
   * The one subscription to the converted batches, fed to DJL's thread as to {@code
   * Training.fit}'s: its demand, refilled only once a batch is in hand, is the only demand on the
   * pipeline.
   */
  private final class Subscription {
    final CountDownLatch released = new CountDownLatch(1);
    final TrainerFeed feed =
        new TrainerFeed(
            "dataset", Knob.fixed("batchesAhead", Knob.Kind.BUFFER, batchesAhead), Context.empty());
    @Nullable TensorBatch next;

    Subscription(Tensors tensors) {
      tensors.convert(batches, released::countDown).subscribe(feed);
    }

    /** The next batch, waiting for it; null when the batches completed. */
    @Nullable TensorBatch peek() {
      if (next == null) {
        next = takeFromFeed();
      }
      return next;
    }

    /** The batch {@link #peek} returned, handed on. */
    TensorBatch take() {
      TensorBatch b = Objects.requireNonNull(next, "a batch peeked at");
      next = null;
      feed.taken();
      return b;
    }

    private @Nullable TensorBatch takeFromFeed() {
      try {
        return feed.take();
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a batch", e);
      } catch (Throwable t) {
        throw new IllegalStateException(t.getMessage(), t);
      }
    }

    /** Cancels, closes what was not handed out, and waits for the conversion stage's release. */
    void close() {
      try {
        feed.stop();
        if (next != null) {
          next.close();
          next = null;
        }
      } finally {
        try {
          released.await(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The batches of one epoch, timed: waiting for a batch is the data wait. */
  private final class Pass implements Iterator<ai.djl.training.dataset.Batch> {
    private final Subscription subscription;
    private final long skipEpoch;
    private long epoch = -1;
    private boolean ended;
    private boolean started;
    private long startNanos;
    private long waitNanos;
    private long batchCount;
    private long samples;
    private @Nullable TensorBatch handedOut;

    Pass(Subscription subscription, long skipEpoch) {
      this.subscription = subscription;
      this.skipEpoch = skipEpoch;
    }

    @Override
    public boolean hasNext() {
      if (ended) {
        return false;
      }
      if (closed) {
        throw new IllegalStateException("the dataset is closed");
      }
      if (!started) {
        started = true;
        startNanos = System.nanoTime();
      }
      long waitStart = System.nanoTime();
      @Nullable TensorBatch b = subscription.peek();
      while (b != null && b.epoch() == skipEpoch) {
        // the rest of a pass left early: its epoch is over for the trainer
        subscription.take().close();
        b = subscription.peek();
      }
      long waited = System.nanoTime() - waitStart;
      waitNanos += waited;
      totalWaitNanos.add(waited);
      if (b == null || (epoch >= 0 && b.epoch() != epoch)) {
        end();
        return false;
      }
      epoch = b.epoch();
      return true;
    }

    @Override
    public ai.djl.training.dataset.Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException("the epoch has no more batches");
      }
      TensorBatch b = subscription.take();
      handedOut = b;
      batchCount++;
      samples += b.getSize();
      return b;
    }

    void closeHandedOut() {
      if (handedOut != null) {
        handedOut.close();
      }
    }

    private void end() {
      ended = true;
      if (batchCount > 0) {
        passes.add(
            new DataWait(
                epoch,
                batchCount,
                samples,
                (System.nanoTime() - startNanos) / 1e9,
                waitNanos / 1e9));
      }
      if (repeat) {
        subscription.close();
        if (PipelineDataset.this.subscription == subscription) {
          PipelineDataset.this.subscription = null;
        }
      }
    }
  }

  /** Configures a {@link PipelineDataset}. */
  public static final class Builder {
    private final Flux<Batch> batches;
    private int[] data = {0};
    private int[] labels = {1};
    private int batchesAhead = 8;
    private boolean repeat;

    private Builder(Flux<Batch> batches) {
      this.batches = batches;
    }

    /** The fields that become the batch's data NDList, in order; default field 0. */
    public Builder data(int... fields) {
      this.data = Tensors.checkFields(fields, "data");
      return this;
    }

    /** The fields that become the batch's label NDList, in order; default field 1; may be empty. */
    public Builder labels(int... fields) {
      this.labels = Tensors.checkFields(fields, "labels");
      return this;
    }

    /**
     * Converted batches waiting for the trainer, at most, and as many host batches waiting for
     * conversion; default 8, as {@link TrainingOptions#batchesAhead()}.
     */
    public Builder batchesAhead(int batchesAhead) {
      this.batchesAhead = Tensors.checkBatchesAhead(batchesAhead);
      return this;
    }

    /**
     * Subscribes to the batches afresh for every pass, each pass delivering all of them: for
     * validation batches from a loader of one epoch.
     */
    public Builder repeat() {
      this.repeat = true;
      return this;
    }

    /** The dataset. */
    public PipelineDataset build() {
      return new PipelineDataset(this);
    }
  }
}
