package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import ai.djl.translate.TranslateException;
import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyDatasetTest {

  @TempDir Path dir;

  @Test
  void recordHoldsTheRowOfEachFieldWithItsShapeAndType() throws IOException {
    try (SyntheticData data = SyntheticData.create(dir, 10, 4, 3, 5);
        NDManager manager = NDManager.newBaseManager()) {
      NpyDataset dataset = NpyDataset.builder(data.x, data.y).setSampling(4, false).build();
      Record record = dataset.get(manager, 7);
      assertThat(dataset.size()).isEqualTo(10);
      assertThat(record.getData().head().getShape()).isEqualTo(new Shape(4));
      assertThat(record.getData().head().getFloat(2)).isEqualTo((float) data.x.getDouble(7, 2));
      assertThat(record.getLabels().head().getDataType()).isEqualTo(DataType.INT64);
      assertThat(record.getLabels().head().getLong()).isEqualTo(data.y.getLong(7));
    }
  }

  @Test
  void readsBigEndianFilesInNativeOrder() throws IOException {
    try (NpyArray big =
            NpyArray.create(dir.resolve("b.npy"), DType.parse(">f4"), new long[] {3, 2});
        NDManager manager = NDManager.newBaseManager()) {
      big.setDouble(1.5, 2, 1);
      NpyDataset dataset = NpyDataset.builder(big).setSampling(1, false).build();
      assertThat(dataset.get(manager, 2).getData().head().getFloat(1)).isEqualTo(1.5f);
      assertThat(dataset.get(manager, 2).getLabels()).isEmpty();
    }
  }

  @Test
  void trainsWithEasyTrainFit() throws IOException, TranslateException {
    try (SyntheticData data = SyntheticData.create(dir, 256, Models.FEATURES, Models.CLASSES, 9);
        Model model = Models.mlp();
        Trainer trainer = Models.trainer(model)) {
      NpyDataset dataset = NpyDataset.builder(data.x, data.y).setSampling(32, true).build();
      EasyTrain.fit(trainer, 3, dataset, null);
      assertThat(trainer.getTrainingResult().getTrainEvaluation("Accuracy")).isGreaterThan(0.7f);
      try (Batch batch = trainer.iterateDataset(dataset).iterator().next()) {
        assertThat(batch.getData().head().getShape()).isEqualTo(new Shape(32, 4));
      }
    }
  }

  @Test
  void rejectsFieldsOfUnequalRowCountsAndBadIndices() throws IOException {
    try (NpyArray a = NpyArray.create(dir.resolve("a.npy"), DType.FLOAT32, new long[] {3});
        NpyArray b = NpyArray.create(dir.resolve("b.npy"), DType.FLOAT32, new long[] {4})) {
      assertThatThrownBy(() -> NpyDataset.builder(a, b))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("equal row counts");
      assertThatThrownBy(() -> NpyDataset.builder(a).labels(3))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("labels field indices must be in [0, 1), was [3]");
    }
  }
}
