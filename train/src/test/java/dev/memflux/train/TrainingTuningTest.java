package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.core.Loader;
import dev.memflux.core.tune.Knob;
import dev.memflux.core.tune.TuningReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Training#fit} runs a tuner over the stage sizes left unset: the report names every knob,
 * tuned or set, with why; sizes set stay as set; the knobs stay within the memory budget while the
 * run goes; and with tuning off nothing moves.
 */
class TrainingTuningTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int BATCH = 32;
  // a batch of 32 rows: 4 float32 features and an int64 label each
  private static final long BATCH_BYTES = BATCH * (Models.FEATURES * 4 + 8);

  @TempDir Path dir;
  private SyntheticData data;
  private Model model;

  @BeforeEach
  void setUp() throws IOException {
    data = SyntheticData.create(dir, 2048, Models.FEATURES, Models.CLASSES, 7);
    model = Models.mlp();
  }

  @AfterEach
  void tearDown() {
    model.close();
    data.close();
  }

  @Test
  void theReportNamesEveryKnobWithWhyAndTheSizesSetStayAsSet() {
    Loader loader = Loader.builder(data.x, data.y).batchSize(BATCH).epochs(4).prefetch(3).build();
    TrainingReport report =
        fit(loader, TrainingOptions.builder().stageMeters(loader.gatherMeter()));

    TuningReport tuning = report.tuning();
    assertThat(tuning.settings())
        .extracting(s -> s.stage() + " " + s.knob() + " " + s.tuned())
        .containsExactly(
            "gather gatherThreads true", "gather prefetch false", "train batchesAhead true");
    TuningReport.Setting prefetch = tuning.settings().get(1);
    assertThat(prefetch.value()).isEqualTo(3);
    assertThat(prefetch.why()).isEqualTo("set by you");
    assertThat(loader.prefetch()).isEqualTo(3);
    assertThat(tuning.settings().get(2).value()).isBetween(1, TrainingOptions.MAX_BATCHES_AHEAD);
    assertThat(tuning.memoryBudget()).isEqualTo(TrainingOptions.builder().build().memoryBudget());
    assertThat(tuning.memoryBytes()).isBetween(1L, tuning.memoryBudget());
    assertThat(report.summary())
        .contains("tuning: ")
        .contains("gather prefetch 3 (set): set by you")
        .contains("train batchesAhead ");
  }

  @Test
  void theKnobsStayWithinTheMemoryBudgetWhileTheRunGoes() {
    // room for six batches: the defaults (4 gathered ahead, 8 converted ahead) hold twelve
    long budget = 6 * BATCH_BYTES;
    Loader loader = Loader.builder(data.x, data.y).batchSize(BATCH).epochs(4).build();
    Knob prefetch = loader.gatherMeter().knobs().get(1);
    AtomicLong worst = new AtomicLong();
    TrainingListenerAdapter watch =
        new TrainingListenerAdapter() {
          @Override
          public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            worst.accumulateAndGet(prefetch.value() * prefetch.bytesPerUnit(), Math::max);
          }
        };
    TrainingReport report =
        fit(
            loader,
            TrainingOptions.builder().stageMeters(loader.gatherMeter()).memoryBudget(budget),
            watch);

    assertThat(report.tuning().memoryBudget()).isEqualTo(budget);
    assertThat(report.tuning().memoryBytes()).isBetween(2 * BATCH_BYTES, budget);
    assertThat(worst.get()).as("bytes the loader's batches ahead held").isBetween(1L, budget);
    assertThat(report.tuning().summary())
        .contains(String.format("of %.1f MiB", budget / 1048576.0));
  }

  @Test
  void withTuningOffEverySizeStaysAsItWas() {
    Loader loader = Loader.builder(data.x, data.y).batchSize(BATCH).epochs(2).build();
    TrainingReport report =
        fit(loader, TrainingOptions.builder().stageMeters(loader.gatherMeter()).tuning(false));

    assertThat(report.tuning().settings()).isEmpty();
    assertThat(report.tuning().verdict()).startsWith("off: ");
    assertThat(loader.prefetch()).isEqualTo(4);
    assertThat(loader.gatherThreads()).isEqualTo(1);
  }

  @Test
  void rejectsANegativeBudget() {
    assertThatThrownBy(() -> TrainingOptions.builder().memoryBudget(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryBudget must be >= 0, was -1");
  }

  private TrainingReport fit(
      Loader loader, TrainingOptions.Builder options, TrainingListenerAdapter... listeners) {
    try (Trainer trainer = Models.trainer(model, listeners)) {
      return Training.fit(trainer, loader.batches(), options.build()).block(TIMEOUT);
    }
  }
}
