package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.core.Loader;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

class CheckpointTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** Records the sample ids of every batch trained, and fails the given batch (1-based). */
  private static final class Recorder extends TrainingListenerAdapter {
    final List<Long> ids = new ArrayList<>();
    final AtomicInteger batches = new AtomicInteger();
    final int failAt;

    Recorder(int failAt) {
      this.failAt = failAt;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
      if (batches.incrementAndGet() == failAt) {
        throw new IllegalStateException("crash");
      }
      for (Object id : batchData.getBatch().getIndices()) {
        ids.add((Long) id);
      }
    }
  }

  @Test
  void resumingFromACheckpointTrainsExactlyTheSamplesNotYetTrained() throws IOException {
    Path ckpt = dir.resolve("ckpt");
    try (SyntheticData data = SyntheticData.create(dir, 200, Models.FEATURES, Models.CLASSES, 3)) {
      Loader loader =
          Loader.builder(data.x, data.y).batchSize(16).shuffle(Shuffle.random(11)).build();
      TrainingOptions options =
          TrainingOptions.builder().checkpoints(ckpt, "mlp").checkpointEvery(1).build();

      Recorder first = new Recorder(6);
      float[] trainedParams;
      try (Model model = Models.mlp();
          Trainer trainer = Models.trainer(model, first)) {
        StepVerifier.create(Training.fit(trainer, loader.batches(), options))
            .expectErrorSatisfies(e -> assertThat(e).hasRootCauseMessage("crash"))
            .verify(TIMEOUT);
        trainedParams = firstWeight(model);
      }
      assertThat(first.ids).hasSize(5 * 16);

      Recorder second = new Recorder(-1);
      try (Model model = Models.mlp()) {
        Checkpoint checkpoint = Checkpoint.load(model, ckpt, "mlp");
        try (Trainer trainer = Models.trainer(model, second)) {
          assertThat(firstWeight(model)).containsExactly(trainedParams);
          Loader resumed = loader.resumeFrom(checkpoint.state());
          TrainingReport report =
              Training.fit(trainer, resumed.batches(), TrainingOptions.builder().build())
                  .block(TIMEOUT);
          assertThat(report.lastEpoch().samples()).isEqualTo(200 - 5 * 16);
        }
      }
      List<Long> all = new ArrayList<>(first.ids);
      all.addAll(second.ids);
      assertThat(all).doesNotHaveDuplicates().hasSize(200);
      Eventually.within(TIMEOUT, () -> assertThat(loader.bufferPool().outstanding()).isZero());
    }
  }

  @Test
  void readRejectsAFileThatIsNotACheckpoint() throws IOException {
    Files.writeString(dir.resolve("m.checkpoint"), "hello\n");
    assertThatThrownBy(() -> Checkpoint.read(dir, "m"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a memflux checkpoint");
  }

  private static float[] firstWeight(Model model) {
    NDArray weight = model.getBlock().getParameters().get(0).getValue().getArray();
    return weight.toFloatArray();
  }
}
