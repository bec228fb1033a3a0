package dev.memflux.train;

import static dev.memflux.train.Released.assertReleased;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.training.Trainer;
import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.core.Batch;
import dev.memflux.core.Loader;
import dev.memflux.core.StageException;
import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.testing.Eventually;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class TrainingTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private SyntheticData data;
  private Model model;

  @BeforeEach
  void setUp() throws IOException {
    data = SyntheticData.create(dir, 512, Models.FEATURES, Models.CLASSES, 7);
    model = Models.mlp();
  }

  @AfterEach
  void tearDown() {
    model.close();
    data.close();
  }

  private Loader loader(long epochs) {
    return Loader.builder(data.x, data.y).batchSize(32).epochs(epochs).build();
  }

  @Test
  void fitTrainsTheModelAndReportsEveryEpoch() {
    int epochs = 3;
    Loader loader = loader(epochs);
    Loader validation = Loader.builder(data.x, data.y).batchSize(128).build();
    try (Trainer trainer = Models.trainer(model)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      Flux<Batch> batches = loader.batches();
      TrainingOptions options =
          TrainingOptions.builder()
              .validation(validation::batches)
              .stageMeters(loader.gatherMeter())
              .sampleInterval(Duration.ofMillis(20))
              .build();

      TrainingReport report = Training.fit(trainer, batches, options).block(TIMEOUT);

      assertThat(report).isNotNull();
      assertThat(report.stoppedEarly()).isFalse();
      assertThat(report.epochs()).extracting(EpochReport::epoch).containsExactly(0L, 1L, 2L);
      assertThat(report.epochs())
          .allSatisfy(
              e -> {
                assertThat(e.batches()).isEqualTo(loader.batchesPerEpoch());
                assertThat(e.samples()).isEqualTo(512);
                assertThat(e.samplesPerSecond()).isPositive();
                assertThat(e.dataWaitSeconds()).isBetween(0.0, e.seconds());
                assertThat(e.validationAccuracy()).isBetween(0.0, 1.0);
              });
      assertThat(report.lastEpoch().trainAccuracy()).isGreaterThan(0.8);
      assertThat(report.lastEpoch().validationAccuracy()).isGreaterThan(0.8);
      assertThat(report.lastEpoch().loss()).isLessThan(report.epochs().get(0).loss());
      assertThat(report.stages())
          .extracting(StageReport::name)
          .containsExactly("gather", "convert", "train");
      assertThat(report.stages())
          .allSatisfy(s -> assertThat(s.batches()).isEqualTo(epochs * loader.batchesPerEpoch()));
      assertThat(report.inFlight())
          .isNotEmpty()
          .allSatisfy(s -> assertThat(s.inFlight()).hasSize(2));
      assertThat(report.bottleneck()).containsAnyOf("compute-bound", "input-bound");
      assertThat(report.summary()).contains("epoch 2:", "stage train:");
      assertReleased(
          "fit", trainer.getManager(), arrays, loader.bufferPool(), validation.bufferPool());
    }
  }

  /**
   * The training thread is the only source of demand, and every stage before it reads only inside
   * it: at each step, the batches gathered never exceed those taken plus {@code batchesAhead}.
   */
  @Test
  void theTrainersLookAheadIsTheOnlyDemandOnTheBatches() {
    int ahead = 3;
    Loader loader =
        Loader.builder(data.x, data.y).batchSize(8).prefetch(4).gatherThreads(2).build();
    AtomicInteger taken = new AtomicInteger();
    AtomicInteger worst = new AtomicInteger(Integer.MIN_VALUE);
    TrainingListenerAdapter watch =
        new TrainingListenerAdapter() {
          @Override
          public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            long aheadNow = loader.gatherMeter().completed() - taken.incrementAndGet();
            worst.accumulateAndGet((int) aheadNow, Math::max);
          }
        };
    try (Trainer trainer = Models.trainer(model, watch)) {
      TrainingOptions options = TrainingOptions.builder().batchesAhead(ahead).build();
      Training.fit(trainer, loader.batches(), options).block(TIMEOUT);
    }
    assertThat(taken).hasValue((int) loader.batchesPerEpoch());
    assertThat(worst.get()).as("batches gathered beyond those taken").isBetween(0, ahead);
  }

  /**
   * The wait for the first batch is the pipeline's start-up, reported apart; every later batch's
   * wait goes to the trainer's metrics and into the epochs' data wait.
   */
  @Test
  void theFirstBatchIsReportedApartAndEveryOtherWaitReachesTheTrainersMetrics() {
    Loader loader = loader(2);
    try (Trainer trainer = Models.trainer(model)) {
      ai.djl.metric.Metrics metrics = new ai.djl.metric.Metrics();
      trainer.setMetrics(metrics);
      TrainingReport report =
          Training.fit(trainer, loader.batches(), TrainingOptions.builder().build()).block(TIMEOUT);
      assertThat(report.firstBatchSeconds()).isPositive();
      assertThat(report.summary()).contains("first batch after");
      assertThat(metrics.getMetric(Training.FIRST_BATCH_METRIC)).hasSize(1);
      assertThat(metrics.getMetric(Training.DATA_WAIT_METRIC))
          .hasSize((int) (2 * loader.batchesPerEpoch() - 1));
      double waited =
          metrics.getMetric(Training.DATA_WAIT_METRIC).stream()
              .mapToDouble(m -> m.getValue().doubleValue())
              .sum();
      double reported =
          report.epochs().stream().mapToDouble(EpochReport::dataWaitSeconds).sum() * 1e9;
      // the same waits, up to the time between reading the clock for one and for the other
      assertThat(waited)
          .isCloseTo(reported, org.assertj.core.data.Offset.offset(1e6 + 0.05 * reported));
    }
  }

  @Test
  void errorInStepEndsWithTheCauseAndReleasesEverything() {
    Loader loader = loader(2);
    AtomicInteger batches = new AtomicInteger();
    TrainingListenerAdapter failing =
        new TrainingListenerAdapter() {
          @Override
          public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            if (batches.incrementAndGet() == 3) {
              throw new IllegalStateException("step exploded");
            }
          }
        };
    try (Trainer trainer = Models.trainer(model, failing)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      StepVerifier.create(
              Training.fit(trainer, loader.batches(), TrainingOptions.builder().build()))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(StageException.class)
                      .hasMessageContaining("train stage failed on batch 2 of epoch 0")
                      .hasRootCauseMessage("step exploded"))
          .verify(TIMEOUT);
      assertThat(batches).hasValue(3);
      assertReleased("error in step", trainer.getManager(), arrays, loader.bufferPool());
    }
  }

  @Test
  void earlyStoppingListenerEndsNormallyWithAReportSayingSo() {
    Loader loader = loader(Long.MAX_VALUE);
    TrainingListenerAdapter stopper =
        new TrainingListenerAdapter() {
          @Override
          public void onEpoch(Trainer trainer) {
            throw new EarlyStoppedException(1, "good enough");
          }
        };
    try (Trainer trainer = Models.trainer(model, stopper)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      TrainingReport report =
          Training.fit(trainer, loader.batches(), TrainingOptions.builder().build()).block(TIMEOUT);
      assertThat(report.stoppedEarly()).isTrue();
      assertThat(report.epochs()).hasSize(1);
      assertThat(report.lastEpoch().samples()).isEqualTo(512);
      assertThat(report.lastEpoch().trainAccuracy()).isBetween(0.0, 1.0);
      assertReleased("early stop", trainer.getManager(), arrays, loader.bufferPool());
    }
  }

  @Test
  void upstreamErrorEndsWithTheCauseAndReleasesEverything() {
    Loader loader = loader(1);
    Flux<Batch> failing =
        loader.batches().take(5).concatWith(Flux.error(new IOException("disk gone")));
    try (Trainer trainer = Models.trainer(model)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      StepVerifier.create(Training.fit(trainer, failing, TrainingOptions.builder().build()))
          .expectErrorMessage("disk gone")
          .verify(TIMEOUT);
      assertReleased("upstream error", trainer.getManager(), arrays, loader.bufferPool());
    }
  }

  @Test
  void disposingTheSubscriptionCancelsTheBatchesAndReleasesEverything() {
    Loader loader = loader(Long.MAX_VALUE);
    AtomicInteger trained = new AtomicInteger();
    TrainingListenerAdapter counter =
        new TrainingListenerAdapter() {
          @Override
          public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            trained.incrementAndGet();
          }
        };
    try (Trainer trainer = Models.trainer(model, counter)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      Disposable run =
          Training.fit(trainer, loader.batches(), TrainingOptions.builder().build()).subscribe();
      Eventually.within(TIMEOUT, () -> assertThat(trained).hasValueGreaterThan(20));
      run.dispose();
      assertReleased("disposed", trainer.getManager(), arrays, loader.bufferPool());
      int after = trained.get();
      Eventually.within(TIMEOUT, () -> assertThat(trained).hasValue(after));
    }
  }

  @Test
  void slowAugmentationIsNamedTheBottleneck() {
    Loader loader = Loader.builder(data.x, data.y).batchSize(64).prefetch(1).build();
    StageMeter augment = new StageMeter("augment", 1);
    Flux<Batch> slow =
        loader
            .batches()
            .map(
                batch -> {
                  long start = System.nanoTime();
                  sleep(100);
                  augment.recordSince(start);
                  return batch;
                });
    try (Trainer trainer = Models.trainer(model)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      TrainingReport report =
          Training.fit(
                  trainer,
                  slow,
                  TrainingOptions.builder().stageMeters(loader.gatherMeter(), augment).build())
              .block(TIMEOUT);
      assertThat(report.lastEpoch().dataWaitPercent()).isGreaterThan(30);
      assertThat(report.bottleneck())
          .startsWith("input-bound")
          .contains("augment busy")
          .endsWith("add workers or simplify ops");
      assertThat(report.stages())
          .extracting(StageReport::name)
          .containsExactly("gather", "augment", "convert", "train");
      assertReleased("slow augmentation", trainer.getManager(), arrays, loader.bufferPool());
    }
  }

  @Test
  void rejectsInvalidOptionsNamingThem() {
    assertThatThrownBy(() -> TrainingOptions.builder().batchesAhead(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchesAhead must be >= 1, was 0");
    assertThatThrownBy(() -> TrainingOptions.builder().checkpointEvery(5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkpointEvery 5 needs a checkpoint directory");
    assertThatThrownBy(() -> TrainingOptions.builder().labels(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labels");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
