package dev.memflux.train;

import ai.djl.Model;
import dev.memflux.core.LoaderState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * When a training run saves its {@link Checkpoint}s: at every epoch end when a directory is set,
 * and every {@code checkpointEvery} batches besides. The one place {@link Training#fit} saves; used
 * from the training thread only.
 */
final class Checkpoints {

  private final Model model;
  private final TrainingOptions options;
  private @Nullable LoaderState lastState; // of the latest batch trained
  private long sinceLast;

  Checkpoints(Model model, TrainingOptions options) {
    this.model = model;
    this.options = options;
  }

  /** After a trained batch of {@code epoch} whose loader state was {@code state}. */
  void trained(long epoch, LoaderState state) {
    lastState = state;
    sinceLast++;
    if (options.checkpointEvery() > 0 && sinceLast >= options.checkpointEvery()) {
      save(epoch);
    }
  }

  /** At the end of {@code epoch}. */
  void epochEnded(long epoch) {
    if (options.checkpointDir().isPresent()) {
      save(epoch);
    }
  }

  private void save(long epoch) {
    if (lastState == null) {
      return;
    }
    Path dir = options.checkpointDir().orElseThrow();
    try {
      Checkpoint.save(model, dir, options.checkpointName(), Math.toIntExact(epoch), lastState);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save checkpoint in " + dir, e);
    }
    sinceLast = 0;
  }
}
