package dev.memflux.core.stage;

import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.BatchStageContract;
import dev.memflux.core.testing.TestArrays;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A stage written the way a user would write one, with {@link StageLifecycle}: it negates field 0
 * on a thread of its own, two batches ahead, and passes the same contract as memflux's stages.
 */
class UserStageContractTest extends BatchStageContract {

  /** The user's stage: negates every int32 of field 0, in place. */
  static final class Negate implements Function<Flux<Batch>, Flux<Batch>> {
    @Override
    public Flux<Batch> apply(Flux<Batch> batches) {
      return StageLifecycle.run(
          "negate",
          batches,
          life -> Schedulers.newSingle("memflux-test-negate", true),
          (thread, in) -> in.publishOn(thread, 2).map(Negate::negate),
          Scheduler::dispose);
    }

    private static Batch negate(Batch b) {
      ByteBuffer field = b.field(0);
      for (int i = 0; i < field.limit(); i += 4) {
        field.putInt(i, -field.getInt(i));
      }
      return b;
    }
  }

  @Override
  protected NpyArray[] openFields(Path dir) throws IOException {
    return new NpyArray[] {
      TestArrays.of(DType.INT32, 300, 4).values((i, j) -> i * 10 + j).write(dir.resolve("x.npy"))
    };
  }

  @Override
  protected StageUnderTest newStage() {
    return StageUnderTest.of(
        batches ->
            batches
                .transform(new Negate())
                .doOnNext(
                    b -> {
                      ByteBuffer field = b.field(0);
                      if (field.getInt(0) != -b.index(0) * 10) {
                        throw new AssertionError("row " + b.index(0) + " not negated");
                      }
                    }));
  }
}
