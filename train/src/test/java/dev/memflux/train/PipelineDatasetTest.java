package dev.memflux.train;

import static dev.memflux.train.Released.assertReleased;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.metric.Metric;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDManager;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.translate.TranslateException;
import dev.memflux.core.Loader;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

class PipelineDatasetTest {

  private static final int ROWS = 512;

  @TempDir Path dir;
  private SyntheticData data;
  private Model model;

  @BeforeEach
  void setUp() throws IOException {
    data = SyntheticData.create(dir, ROWS, Models.FEATURES, Models.CLASSES, 7);
    model = Models.mlp();
  }

  @AfterEach
  void tearDown() {
    model.close();
    data.close();
  }

  private Loader loader(long epochs) {
    return Loader.builder(data.x, data.y)
        .batchSize(32)
        .shuffle(Shuffle.random(3))
        .epochs(epochs)
        .build();
  }

  @Test
  void easyTrainFitTrainsThroughThePipelineAndThePoolsDrain()
      throws IOException, TranslateException {
    Loader loader = loader(3);
    Loader validation = Loader.builder(data.x, data.y).batchSize(128).build();
    Map<Long, SortedSet<Long>> idsPerEpoch = new HashMap<>();
    try (PipelineDataset train = PipelineDataset.builder(loader.batches()).build();
        PipelineDataset test = PipelineDataset.builder(validation.batches()).repeat().build();
        Trainer trainer = Models.trainer(model, new DataWaitListener(train), ids(idsPerEpoch))) {
      trainer.setMetrics(new Metrics());
      int arrays = trainer.getManager().getManagedArrays().size();

      EasyTrain.fit(trainer, 3, train, test);

      assertThat(trainer.getTrainingResult().getValidateEvaluation("Accuracy")).isGreaterThan(0.8f);
      // every epoch is one pass over every sample, in its own shuffled order
      assertThat(idsPerEpoch).hasSize(3);
      assertThat(idsPerEpoch.values())
          .allSatisfy(ids -> assertThat(ids).hasSize(ROWS).first().isEqualTo(0L));
      assertThat(train.dataWait()).extracting(DataWait::epoch).containsExactly(0L, 1L, 2L);
      assertThat(train.dataWait())
          .allSatisfy(
              pass -> {
                assertThat(pass.batches()).isEqualTo(loader.batchesPerEpoch());
                assertThat(pass.samples()).isEqualTo(ROWS);
                assertThat(pass.waitSeconds()).isBetween(0.0, pass.seconds());
              });
      assertThat(test.dataWait())
          .hasSize(3)
          .allSatisfy(p -> assertThat(p.samples()).isEqualTo(ROWS));
      assertThat(trainer.getMetrics().getMetric("data_wait_percent"))
          .extracting(Metric::getValue)
          .hasSize(3)
          .allSatisfy(v -> assertThat(v.doubleValue()).isBetween(0.0, 100.0));
      assertReleased(
          "EasyTrain.fit",
          trainer.getManager(),
          arrays,
          loader.bufferPool(),
          validation.bufferPool());
    }
  }

  @Test
  void nothingIsReadBeforeTheFirstPassStarts() throws Exception {
    Loader loader = loader(1);
    try (PipelineDataset train = PipelineDataset.builder(loader.batches()).build();
        NDManager manager = NDManager.newBaseManager()) {
      Iterable<Batch> pass = train.getData(manager);
      Thread.sleep(200);
      assertThat(loader.gatherMeter().completed()).isZero();
      int batches = 0;
      for (Batch b : pass) {
        b.close();
        batches++;
      }
      assertThat(batches).isEqualTo(loader.batchesPerEpoch());
      assertThat(train.getData(manager)).as("no epoch left").isEmpty();
      assertReleased("one epoch", manager, 0, loader.bufferPool());
    }
  }

  @Test
  void aPassLeftEarlyIsFinishedByTheNextAndCloseReleasesEverything() {
    Loader loader = loader(3);
    try (NDManager manager = NDManager.newBaseManager()) {
      PipelineDataset train = PipelineDataset.builder(loader.batches()).batchesAhead(2).build();
      List<Long> firstPass = epochsOf(train.getData(manager), 2);
      List<Long> secondPass = epochsOf(train.getData(manager), Integer.MAX_VALUE);
      assertThat(firstPass).containsExactly(0L, 0L);
      assertThat(secondPass).hasSize((int) loader.batchesPerEpoch()).containsOnly(1L);
      // stop in the middle of the third epoch, keeping a batch open: close() takes it back too
      Batch kept = train.getData(manager).iterator().next();
      train.close();
      assertThat(kept.getData().head().isReleased()).isTrue();
      assertReleased("closed mid-epoch", manager, 0, loader.bufferPool());
      assertThatThrownBy(() -> train.getData(manager))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("the dataset is closed");
    }
  }

  @Test
  void aStepThatThrowsLeavesNothingBehindOnceTheDatasetIsClosed() {
    Loader loader = loader(2);
    TrainingListenerAdapter failing =
        new TrainingListenerAdapter() {
          @Override
          public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            if (batchData.getBatch().getProgress() == 3) {
              throw new IllegalStateException("step 3 failed");
            }
          }
        };
    try (Trainer trainer = Models.trainer(model, failing)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      PipelineDataset train = PipelineDataset.builder(loader.batches()).build();
      // EasyTrain.fit skips batch.close() when a step throws: close() closes that batch
      assertThatThrownBy(() -> EasyTrain.fit(trainer, 2, train, null)).hasMessage("step 3 failed");
      train.close();
      assertReleased("step failed", trainer.getManager(), arrays, loader.bufferPool());
    }
  }

  @Test
  void anUpstreamErrorReachesTheTrainerAndCloseReleases() {
    Loader loader = loader(1);
    Flux<dev.memflux.core.Batch> failing =
        loader.batches().take(2).concatWith(Flux.error(new IllegalStateException("disk gone")));
    try (NDManager manager = NDManager.newBaseManager()) {
      PipelineDataset train = PipelineDataset.builder(failing).build();
      List<Batch> taken = new ArrayList<>();
      assertThatThrownBy(() -> train.getData(manager).forEach(taken::add))
          .hasMessageContaining("disk gone");
      // the error may overtake batches converted ahead (Reactor's blocking iterator reports it
      // first); those are closed by close() below
      assertThat(taken).hasSizeLessThanOrEqualTo(2);
      taken.forEach(Batch::close);
      train.close();
      assertReleased("upstream error", manager, 0, loader.bufferPool());
    }
  }

  @Test
  void everyPassMustUseTheSameManager() {
    try (NDManager first = NDManager.newBaseManager();
        NDManager second = NDManager.newBaseManager();
        PipelineDataset train = PipelineDataset.builder(loader(1).batches()).build()) {
      train.getData(first);
      assertThatThrownBy(() -> train.getData(second))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("same NDManager on every pass");
    }
  }

  /** The epochs of up to {@code max} batches of {@code pass}, each closed at once. */
  private static List<Long> epochsOf(Iterable<Batch> pass, int max) {
    List<Long> epochs = new ArrayList<>();
    for (Batch b : pass) {
      try (b) {
        epochs.add(((TensorBatch) b).epoch());
      }
      if (epochs.size() == max) {
        break;
      }
    }
    return epochs;
  }

  /** Records the sample ids trained, per epoch. */
  private static TrainingListenerAdapter ids(Map<Long, SortedSet<Long>> idsPerEpoch) {
    return new TrainingListenerAdapter() {
      @Override
      public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        TensorBatch batch = (TensorBatch) batchData.getBatch();
        SortedSet<Long> ids = idsPerEpoch.computeIfAbsent(batch.epoch(), e -> new TreeSet<>());
        for (Object id : batch.getIndices()) {
          ids.add((Long) id);
        }
      }
    };
  }
}
