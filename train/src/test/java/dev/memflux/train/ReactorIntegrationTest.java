package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.training.Trainer;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.Batch;
import dev.memflux.core.Loader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;
import reactor.util.function.Tuples;

/** The stages as Reactor tooling sees them: names, tags, and the subscriber's context. */
class ReactorIntegrationTest {

  @TempDir Path dir;

  @Test
  void stageFluxesCarryNamesAndStageTags() throws IOException {
    try (SyntheticData data = SyntheticData.create(dir, 64, Models.FEATURES, Models.CLASSES, 1);
        NDManager manager = NDManager.newBaseManager()) {
      Flux<Batch> gathered = Loader.builder(data.x, data.y).batchSize(16).build().batches();
      Flux<Batch> augmented =
          gathered.transform(Augment.images(ImageLayout.CHW).horizontalFlip(0.5));
      Flux<ai.djl.training.dataset.Batch> converted =
          gathered.transform(Tensors.builder(manager).build());
      assertThat(Scannable.from(gathered).name()).isEqualTo("memflux.gather");
      assertThat(Scannable.from(gathered).tags()).contains(Tuples.of("stage", "gather"));
      assertThat(Scannable.from(augmented).name()).isEqualTo("memflux.augment");
      assertThat(Scannable.from(augmented).tags()).contains(Tuples.of("stage", "augment"));
      assertThat(Scannable.from(converted).name()).isEqualTo("memflux.convert");
      assertThat(Scannable.from(converted).tags()).contains(Tuples.of("stage", "convert"));
    }
  }

  @Test
  void aContextWrittenAfterFitIsVisibleToTheBatchesUpstream() throws IOException {
    AtomicReference<String> seen = new AtomicReference<>();
    try (SyntheticData data = SyntheticData.create(dir, 64, Models.FEATURES, Models.CLASSES, 1);
        Model model = Models.mlp();
        Trainer trainer = Models.trainer(model)) {
      Loader loader = Loader.builder(data.x, data.y).batchSize(16).build();
      Flux<Batch> batches =
          Flux.deferContextual(
              context -> {
                seen.set(context.getOrDefault("run", "no context"));
                return loader.batches();
              });
      TrainingReport report =
          Training.fit(trainer, batches)
              .contextWrite(Context.of("run", "nightly-7"))
              .block(Duration.ofSeconds(60));
      assertThat(report.epochs()).hasSize(1);
    }
    assertThat(seen).hasValue("nightly-7");
  }
}
