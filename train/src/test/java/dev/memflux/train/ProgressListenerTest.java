package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.training.Trainer;
import dev.memflux.core.Loader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressListenerTest {

  @TempDir Path dir;

  @Test
  void printsQuarterLinesAndEpochSummariesOfATrainingFitRun() throws IOException {
    StringWriter text = new StringWriter();
    try (SyntheticData data = SyntheticData.create(dir, 512, Models.FEATURES, Models.CLASSES, 7);
        Model model = Models.mlp()) {
      Loader loader = Loader.builder(data.x, data.y).batchSize(32).epochs(2).build();
      Loader validation = Loader.builder(data.x, data.y).batchSize(128).build();
      ProgressListener progress =
          ProgressListener.builder(2, loader.batchesPerEpoch())
              .output(new PrintWriter(text), false)
              .build();
      try (Trainer trainer = Models.trainer(model, progress)) {
        TrainingOptions options = TrainingOptions.builder().validation(validation::batches).build();
        Training.fit(trainer, loader.batches(), options).block(Duration.ofSeconds(60));
      }
      assertThat(progress.stepMeter().completed()).isEqualTo(2 * loader.batchesPerEpoch());
    }
    List<String> lines = text.toString().lines().toList();
    assertThat(lines).hasSize(8);
    assertThat(lines.get(0))
        .matches(
            "epoch 1/2:  25% \\(4/16 batches\\), \\d+ samples/s, loss \\d\\.\\d{4}, data wait .*%");
    assertThat(lines.get(3))
        .matches(
            "epoch 1/2: loss \\d\\.\\d{4}, train acc \\d\\.\\d{4}, test loss \\d\\.\\d{4}, test acc \\d\\.\\d{4}, \\d+"
                + " samples/s, data wait \\d+\\.\\d%, \\d+\\.\\d s");
    assertThat(lines.get(7)).startsWith("epoch 2/2: loss ");
  }

  @Test
  void rejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> ProgressListener.builder(0, 10))
        .hasMessage("epochs must be >= 1, was 0");
    assertThatThrownBy(() -> ProgressListener.builder(2, 0))
        .hasMessage("batchesPerEpoch must be >= 1, was 0");
    assertThatThrownBy(() -> ProgressListener.builder(2, 10).firstEpoch(2))
        .hasMessage("firstEpoch must be in [0, 2), was 2");
  }
}
