package dev.memflux.train;

import ai.djl.Model;
import ai.djl.training.Trainer;
import dev.memflux.core.Batch;
import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.BatchStageContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * {@link Training#fit} passes the stage contract as the last stage: its output is the report, and
 * cancelling it, failing upstream or dropping the report leaves no buffer leased, no NDArray beyond
 * the trainer's own and no memflux thread running.
 */
class TrainingContractTest extends BatchStageContract {

  private final SplittableRandom random = new SplittableRandom(0x7A1_C0DEL);
  private Model model;
  private Trainer trainer;
  private int trainerArrays;

  @BeforeEach
  void openTrainer() {
    model = Models.mlp();
    trainer = Models.trainer(model);
    trainerArrays = trainer.getManager().getManagedArrays().size();
  }

  @AfterEach
  void closeTrainer() {
    trainer.close();
    model.close();
  }

  @Override
  protected NpyArray[] openFields(Path dir) throws IOException {
    SyntheticData data = SyntheticData.create(dir, 96, Models.FEATURES, Models.CLASSES, 2);
    return new NpyArray[] {data.x, data.y};
  }

  @Override
  protected int trials(int usual) {
    return Math.max(2, usual / 4);
  }

  @Override
  protected StageUnderTest newStage() {
    TrainingOptions options = TrainingOptions.builder().batchesAhead(1 + random.nextInt(4)).build();
    return new StageUnderTest() {
      @Override
      public Publisher<?> apply(Flux<Batch> batches) {
        return Training.fit(trainer, batches, options);
      }

      @Override
      public void assertReleased(String what) {
        Released.assertArrays(what, trainer.getManager(), trainerArrays);
      }

      @Override
      public boolean oneOutputPerBatch() {
        return false;
      }
    };
  }
}
