package dev.memflux.train;

import ai.djl.ndarray.NDManager;
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
 * The tensor stage passes the stage contract, converting on the delivering thread (the CPU path)
 * and on a conversion thread of its own (the path of other devices).
 */
class TensorsContractTest extends BatchStageContract {

  private final SplittableRandom random = new SplittableRandom(0x7E5_C0DEL);
  private NDManager parent;

  @BeforeEach
  void openManager() {
    parent = NDManager.newBaseManager();
  }

  @AfterEach
  void closeManager() {
    parent.close();
  }

  @Override
  protected NpyArray[] openFields(Path dir) throws IOException {
    SyntheticData data = SyntheticData.create(dir, 120, Models.FEATURES, Models.CLASSES, 1);
    return new NpyArray[] {data.x, data.y};
  }

  @Override
  protected StageUnderTest newStage() {
    Tensors.Builder builder = Tensors.builder(parent).batchesAhead(1 + random.nextInt(4));
    Tensors tensors = random.nextBoolean() ? builder.build() : builder.devicePath().build();
    return new StageUnderTest() {
      @Override
      public Publisher<?> apply(Flux<Batch> batches) {
        return batches.transform(tensors);
      }

      @Override
      public void assertReleased(String what) {
        Released.assertArrays(what, parent, 0);
      }

      // A DJL batch lost by Reactor stays referenced by the parent manager: nothing reclaims it.
      @Override
      public boolean lostOutputsAreReclaimed() {
        return false;
      }
    };
  }
}
