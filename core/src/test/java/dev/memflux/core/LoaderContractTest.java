package dev.memflux.core;

import dev.memflux.core.testing.BatchStageContract;
import java.io.IOException;
import java.nio.file.Path;

/** The loader itself, as the first stage of every pipeline, passes the stage contract. */
class LoaderContractTest extends BatchStageContract {

  @Override
  protected NpyArray[] openFields(Path dir) throws IOException {
    return new NpyArray[] {TestData.features(dir, 300, 4), TestData.labels(dir, 300)};
  }

  @Override
  protected StageUnderTest newStage() {
    return StageUnderTest.of(
        batches ->
            batches.doOnNext(
                b -> {
                  TestData.checkContents(b, 4);
                }));
  }
}
