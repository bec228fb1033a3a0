package dev.memflux.train;

import ai.djl.ndarray.NDArray;
import dev.memflux.core.stage.StageLifecycle;
import dev.memflux.core.tune.Knob;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Hands converted batches from the stage threads to the training thread, which takes them one at a
 * time and is the only source of demand: it asks for {@code ahead} batches at the start, and for
 * more in refills of half of that, each once it has a batch in hand ({@link #taken()}). {@code
 * ahead} is a knob a tuner may move: each refill tops the demand up to its value then, so a rise
 * asks for more at the next batch taken and a fall asks for nothing until the demand is below it.
 *
 * <p>Why not {@code publishOn(trainingThread, ahead)}: publishOn refills its upstream from between
 * two {@code onNext} calls, so the training thread woke the stage threads after finishing a step
 * and before starting the next, and on two cores they took its CPU for 1-10 ms while its next batch
 * was already queued (measured with per-hand-off timestamps and {@code perf sched}: 4-12% of "data
 * wait" with the queue full). Reactor has no public way to move that request. Here the training
 * thread takes its batch first and only then asks for more, so the wake-up falls inside the step it
 * is about to run, where it costs what it costs but never delays a batch.
 *
 * <p>Ownership goes through the stage SPI's {@link StageLifecycle}: a batch is held from its
 * arrival until the training thread takes it, and {@link #stop()} closes whatever is still held,
 * including batches arriving after it.
 */
final class TrainerFeed extends BaseSubscriber<TensorBatch> {

  private static final Object COMPLETE = new Object();
  private static final Object STOPPED = new Object();

  private final StageLifecycle life;
  private final Context context;
  private final Knob ahead;
  // The queue never holds more batches than requested and not yet taken.
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private long outstanding;
  private boolean sized;

  /** An upstream error, queued behind the batches that came before it. */
  private record Failure(Throwable error) {}

  /**
   * @param stage the name the feed's lifecycle carries ({@code "train"}, {@code "validation"})
   * @param ahead batches asked for ahead of the one being trained; the feed says what one holds
   * @param context the context of whoever awaits the run, passed upstream so that a context written
   *     downstream of {@code Training.fit} reaches every stage
   */
  TrainerFeed(String stage, Knob ahead, ContextView context) {
    this.life = new StageLifecycle(stage);
    this.context = Context.of(context);
    this.ahead = ahead;
  }

  @Override
  public Context currentContext() {
    return context;
  }

  @Override
  protected void hookOnSubscribe(Subscription subscription) {
    outstanding = ahead.value();
    request(outstanding);
  }

  @Override
  protected void hookOnNext(TensorBatch batch) {
    if (!sized) {
      // what a batch waiting here holds: its arrays (on the CPU, the host buffers they alias)
      sized = true;
      long bytes = 0;
      for (NDArray a : batch.getData()) {
        bytes += a.size() * a.getDataType().getNumOfBytes();
      }
      for (NDArray a : batch.getLabels()) {
        bytes += a.size() * a.getDataType().getNumOfBytes();
      }
      ahead.bytesPerUnit(bytes);
    }
    queue.add(life.arrived(batch));
  }

  @Override
  protected void hookOnComplete() {
    queue.add(COMPLETE);
  }

  @Override
  protected void hookOnError(Throwable error) {
    queue.add(new Failure(error));
  }

  /**
   * On the training thread: the next batch, waiting for it as long as it takes; {@code null} once
   * the batches are complete or the feed was stopped.
   *
   * @throws Throwable the upstream error, once the batches before it have been taken
   */
  @Nullable TensorBatch take() throws Throwable {
    Object next = queue.take();
    if (next instanceof TensorBatch batch) {
      return life.handedOn(batch);
    }
    if (next instanceof Failure failure) {
      throw failure.error();
    }
    // put back, so a later take() ends too
    queue.add(next);
    return null;
  }

  /**
   * On the training thread, once a batch taken is in hand and its wait counted: tops the demand up
   * to {@code ahead} once half of it or more is missing. Apart from {@link #take()} so that the
   * wake-up of the stages upstream, which may take this thread's CPU for a while, falls in the step
   * and not in the wait.
   */
  void taken() {
    outstanding--;
    int want = ahead.value();
    long missing = want - outstanding;
    if (missing >= Math.max(1, want / 2)) {
      outstanding += missing;
      request(missing);
    }
  }

  /**
   * Cancels upstream and closes every batch held, now and arriving later. From the training thread,
   * after it stopped taking batches.
   */
  void stop() {
    cancel();
    life.end();
  }

  /** From any thread: cancels upstream and makes the training thread's next take() end. */
  void interrupt() {
    cancel();
    queue.add(STOPPED);
  }
}
