package dev.memflux.train;

import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import dev.memflux.core.Batch;
import dev.memflux.core.StageException;
import dev.memflux.core.tune.Knob;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.util.context.ContextView;

/**
 * Runs the validation batches after an epoch, on the training thread, as {@code EasyTrain.fit}
 * does: through a tensor stage of its own (so validation stays out of the convert meter and the
 * report) and a feed of its own, then waits until that stage has released everything.
 */
final class Validation {

  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

  private final Trainer trainer;
  private final TrainingOptions options;
  private final Tensors tensors;
  private final ContextView context;
  private volatile @Nullable TrainerFeed current; // the validation in progress
  private volatile boolean interrupted;

  Validation(Trainer trainer, TrainingOptions options, Tensors tensors, ContextView context) {
    this.trainer = trainer;
    this.options = options;
    this.tensors = tensors;
    this.context = context;
  }

  /**
   * Validates after {@code epoch}, if the options have validation batches.
   *
   * @throws StageException naming the validation stage when a batch or a step fails
   */
  void run(long epoch) {
    Flux<Batch> batches = options.validation(epoch);
    if (batches == null || interrupted) {
      return;
    }
    CountDownLatch released = new CountDownLatch(1);
    TrainerFeed feed =
        new TrainerFeed(
            "validation",
            Knob.fixed("batchesAhead", Knob.Kind.BUFFER, options.batchesAhead()),
            context);
    current = feed;
    try {
      tensors.convert(batches, released::countDown).subscribe(feed);
      if (interrupted) {
        feed.interrupt();
      }
      for (TensorBatch next = feed.take(); next != null; next = feed.take()) {
        feed.taken();
        try (TensorBatch batch = next) {
          EasyTrain.validateBatch(trainer, batch);
        }
      }
    } catch (Throwable t) {
      throw new StageException("validation", "the batches after epoch " + epoch, t);
    } finally {
      feed.stop();
      current = null;
      awaitQuietly(released);
    }
  }

  /** From any thread: ends the validation in progress, and any later one, at once. */
  void interrupt() {
    interrupted = true;
    TrainerFeed feed = current;
    if (feed != null) {
      feed.interrupt();
    }
  }

  private static void awaitQuietly(CountDownLatch released) {
    try {
      released.await(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
