package dev.memflux.core;

import dev.memflux.core.testing.BatchStageContract;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/**
 * The loader over views of every kind ({@link ViewData}: shards, slice, take, windows, composed)
 * passes the stage contract: demand, cancels, errors, dropping operators, nothing leaked, and every
 * batch holding the rows its indices name.
 */
class LoaderViewsContractTest extends BatchStageContract {

  private ViewData data;

  @Override
  protected NpyArray[] openFields(Path dir) throws IOException {
    data = ViewData.open(dir);
    return data.fields();
  }

  @AfterEach
  void closeViewData() {
    data.close();
  }

  @Override
  protected StageUnderTest newStage() {
    return StageUnderTest.of(batches -> batches.doOnNext(ViewData::check));
  }
}
