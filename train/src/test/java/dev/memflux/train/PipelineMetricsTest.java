package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import dev.memflux.core.Loader;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineMetricsTest {

  @TempDir Path dir;

  @Test
  void aRegistrySeesStagesPoolsAndTheDataWaitOfATrainingFitRun() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SyntheticData data = SyntheticData.create(dir, 256, Models.FEATURES, Models.CLASSES, 5);
        Model model = Models.mlp()) {
      Loader loader =
          Loader.builder(data.x, data.y).batchSize(32).epochs(2).gatherThreads(2).build();
      ProgressListener progress =
          ProgressListener.builder(2, loader.batchesPerEpoch())
              .output(new PrintWriter(Writer.nullWriter()), false)
              .build();
      try (Trainer trainer = Models.trainer(model, progress)) {
        PipelineMetrics.builder()
            .tags(Tags.of("job", "test"))
            .stages(loader.gatherMeter(), progress.stepMeter())
            .pool("train", loader.bufferPool())
            .dataWait(progress)
            .build()
            .bindTo(registry);
        Training.fit(trainer, loader.batches()).block(Duration.ofSeconds(60));
      }

      FunctionTimer gather =
          registry.get("memflux.stage").tags("stage", "gather", "job", "test").functionTimer();
      assertThat(gather.count()).isEqualTo(16);
      // Micrometer keeps the time in seconds: back in nanoseconds it may be off in the last bit
      assertThat(gather.totalTime(TimeUnit.NANOSECONDS))
          .isCloseTo((double) loader.gatherMeter().busyNanos(), within(1.0));
      assertThat(registry.get("memflux.stage").tag("stage", "train").functionTimer().count())
          .isEqualTo(16);
      assertThat(registry.get("memflux.stage.workers").tag("stage", "gather").gauge().value())
          .isEqualTo(2);
      assertThat(registry.get("memflux.pool.outstanding").tag("pool", "train").gauge().value())
          .isZero();
      assertThat(
              registry.get("memflux.pool.allocated").tag("pool", "train").functionCounter().count())
          .isEqualTo((double) loader.bufferPool().allocated())
          .isPositive();
      assertThat(registry.get("memflux.pool.reclaimed").functionCounter().count()).isZero();
      assertThat(
              registry.get("memflux.data.wait").tag("source", "progress").functionCounter().count())
          .isEqualTo(progress.dataWaitSeconds())
          .isPositive();
    }
  }

  @Test
  void theDataWaitOfAPipelineDatasetCountsEveryPass() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SyntheticData data = SyntheticData.create(dir, 256, Models.FEATURES, Models.CLASSES, 5);
        Model model = Models.mlp();
        Trainer trainer = Models.trainer(model)) {
      Loader loader = Loader.builder(data.x, data.y).batchSize(32).epochs(2).build();
      try (PipelineDataset train = PipelineDataset.builder(loader.batches()).build()) {
        PipelineMetrics.builder().dataWait(train).build().bindTo(registry);
        EasyTrain.fit(trainer, 2, train, null);
        double counted =
            registry.get("memflux.data.wait").tag("source", "dataset").functionCounter().count();
        assertThat(counted)
            .isPositive()
            .isCloseTo(
                train.dataWait().stream().mapToDouble(DataWait::waitSeconds).sum(), within(1e-6));
      }
    }
  }
}
