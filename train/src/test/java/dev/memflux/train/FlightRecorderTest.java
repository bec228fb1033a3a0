package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.Trainer;
import dev.memflux.augment.Augment;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every stage of a training run leaves one JFR event per batch in a recording. */
class FlightRecorderTest {

  @TempDir Path dir;

  @Test
  void aRecordingOfATrainingRunHasAnEventPerBatchOfEveryStage() throws Exception {
    Path file = dir.resolve("run.jfr");
    long gathered;
    long augmented;
    long trained;
    try (SyntheticData data = SyntheticData.create(dir, 256, Models.FEATURES, Models.CLASSES, 3);
        NpyArray images = asImages(data.x);
        Model model = Model.newInstance("mlp", Device.cpu())) {
      model.setBlock(
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(32).build())
              .add(Activation.reluBlock())
              .add(Linear.builder().setUnits(Models.CLASSES).build()));
      try (Trainer trainer = Models.trainer(model);
          Recording recording = new Recording()) {
        recording.enable("dev.memflux.StageBatch");
        recording.start();
        Loader loader = Loader.builder(images, data.y).batchSize(32).epochs(2).build();
        Augment augment = Augment.images(ImageLayout.CHW).horizontalFlip(0.5).seed(1);
        TrainingReport report =
            Training.fit(
                    trainer,
                    loader.batches().transform(augment),
                    TrainingOptions.builder()
                        .stageMeters(loader.gatherMeter(), augment.meter())
                        .build())
                .block(Duration.ofSeconds(60));
        recording.stop();
        recording.dump(file);
        gathered = loader.gatherMeter().completed();
        augmented = augment.meter().completed();
        trained = report.epochs().stream().mapToLong(EpochReport::batches).sum();
      }
    }

    List<RecordedEvent> events =
        RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().equals("dev.memflux.StageBatch"))
            .toList();
    Map<String, Long> perStage =
        events.stream()
            .collect(Collectors.groupingBy(e -> e.getString("stage"), Collectors.counting()));
    assertThat(trained).isEqualTo(16);
    assertThat(perStage)
        .containsEntry("gather", gathered)
        .containsEntry("augment", augmented)
        .containsEntry("convert", trained)
        .containsEntry("train", trained);
    Map<String, RecordedEvent> anyPerStage =
        events.stream()
            .collect(Collectors.toMap(e -> e.getString("stage"), Function.identity(), (a, b) -> a));
    assertThat(anyPerStage.get("train").getDuration("busy")).isPositive();
    assertThat(anyPerStage.get("gather").getInt("workers")).isEqualTo(1);
    assertThat(anyPerStage.get("train").getEventType().getCategoryNames())
        .containsExactly("memflux");
  }

  /** The 4 features of each row as a 1x2x2 image, for the image augmentation. */
  private NpyArray asImages(NpyArray features) throws IOException {
    NpyArray images =
        NpyArray.create(
            dir.resolve("images.npy"), DType.FLOAT32, new long[] {features.rows(), 1, 2, 2});
    for (long i = 0; i < features.rows(); i++) {
      for (int f = 0; f < 4; f++) {
        images.setDouble(features.getDouble(i, f), i, 0, f / 2, f % 2);
      }
    }
    return images;
  }
}
