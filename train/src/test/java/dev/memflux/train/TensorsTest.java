package dev.memflux.train;

import static dev.memflux.train.Released.assertReleased;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.StageException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class TensorsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private SyntheticData data;
  private NDManager parent;

  @BeforeEach
  void setUp() throws IOException {
    data = SyntheticData.create(dir, 100, 4, 3, 1);
    parent = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    parent.close();
    data.close();
  }

  private Loader loader(int batchSize) {
    return Loader.builder(data.x, data.y).batchSize(batchSize).build();
  }

  @Test
  void convertsFieldsIntoDataAndLabelArraysOfTheHostShapeAndType() {
    Loader loader = loader(32);
    Tensors tensors = Tensors.builder(parent).data(0).labels(1).build();
    StepVerifier.create(loader.batches().transform(tensors))
        .assertNext(
            batch -> {
              try (batch) {
                assertThat(batch.getSize()).isEqualTo(32);
                assertThat(batch.getData().singletonOrThrow().getShape())
                    .isEqualTo(new Shape(32, 4));
                assertThat(batch.getData().head().getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(batch.getLabels().head().getShape()).isEqualTo(new Shape(32));
                assertThat(batch.getLabels().head().getDataType()).isEqualTo(DataType.INT64);
                assertThat(batch.getData().head().getFloat(5, 2))
                    .isEqualTo((float) data.x.getDouble(5, 2));
                assertThat(batch.getLabels().head().getLong(7)).isEqualTo(data.y.getLong(7));
                assertThat(batch.getIndices()).hasSize(32).first().isEqualTo(0L);
              }
            })
        .thenConsumeWhile(b -> true, b -> b.close())
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void cpuArraysAliasTheHostBuffersUntilTheDjlBatchIsClosed() {
    Loader loader = loader(50);
    Tensors tensors = Tensors.builder(parent).build();
    StepVerifier.create(loader.batches().transform(tensors), 1)
        .assertNext(
            batch -> {
              assertThat(loader.bufferPool().outstanding()).isGreaterThanOrEqualTo(2);
              assertThat(parent.getManagedArrays()).hasSizeGreaterThanOrEqualTo(2);
              batch.close();
            })
        .thenCancel()
        .verify(TIMEOUT);
    assertReleased("cancel after one batch", parent, 0, loader.bufferPool());
  }

  @Test
  void devicePathCopiesAndReleasesTheHostBatchAtOnce() {
    // The branch every non-CPU device takes, forced on the CPU: the host batches go back to the
    // pool at conversion, their buffers are reused for later batches, and the batches kept open
    // still hold their own rows.
    Loader loader = Loader.builder(data.x, data.y).batchSize(10).prefetch(1).build();
    Tensors tensors = Tensors.builder(parent).copyOnCpu(true).build();
    List<ai.djl.training.dataset.Batch> held = new ArrayList<>();
    StepVerifier.create(loader.batches().transform(tensors))
        .thenConsumeWhile(b -> true, held::add)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(held).hasSize(10);
    assertThat(loader.bufferPool().outstanding()).isZero();
    assertThat(loader.bufferPool().allocated()).as("buffers reused").isLessThan(2L * held.size());
    for (int b = 0; b < held.size(); b++) {
      try (ai.djl.training.dataset.Batch batch = held.get(b)) {
        float[] x = batch.getData().head().toFloatArray();
        long[] y = batch.getLabels().head().toLongArray();
        for (int row = 0; row < 10; row++) {
          long sample = 10L * b + row;
          assertThat(y[row]).as("label of sample %d", sample).isEqualTo(data.y.getLong(sample));
          for (int f = 0; f < 4; f++) {
            assertThat(x[row * 4 + f])
                .as("feature %d of sample %d", f, sample)
                .isEqualTo((float) data.x.getDouble(sample, f));
          }
        }
      }
    }
    assertReleased("copied batches closed", parent, 0, loader.bufferPool());
  }

  @Test
  void closingEveryBatchReturnsEveryBufferAndArray() {
    Loader loader = loader(16);
    StepVerifier.create(loader.batches().transform(Tensors.builder(parent).build()))
        .thenConsumeWhile(b -> true, b -> b.close())
        .expectComplete()
        .verify(TIMEOUT);
    assertReleased("every batch closed", parent, 0, loader.bufferPool());
  }

  @Test
  void convertsOnTheConversionThread() {
    AtomicReference<String> thread = new AtomicReference<>();
    StepVerifier.create(
            loader(50)
                .batches()
                .transform(Tensors.builder(parent).build())
                .doOnNext(b -> thread.set(Thread.currentThread().getName())),
            1)
        .consumeNextWith(b -> b.close())
        .thenCancel()
        .verify(TIMEOUT);
    assertThat(thread.get()).startsWith("memflux-convert");
  }

  @Test
  void cancelWithBatchesConvertedAheadReleasesAll() {
    Loader loader = Loader.builder(data.x, data.y).batchSize(10).prefetch(4).build();
    Tensors tensors = Tensors.builder(parent).batchesAhead(4).build();
    StepVerifier.create(loader.batches().transform(tensors), 0)
        .thenRequest(2)
        .consumeNextWith(b -> b.close())
        .consumeNextWith(b -> b.close())
        .thenAwait(Duration.ofMillis(100))
        .thenCancel()
        .verify(TIMEOUT);
    assertReleased("cancel with batches ahead", parent, 0, loader.bufferPool());
  }

  @Test
  void upstreamErrorReleasesEveryBatchTheStageHolds() {
    Loader loader = loader(10);
    Flux<dev.memflux.core.Batch> failing =
        loader.batches().take(3).concatWith(Flux.error(new IllegalStateException("disk gone")));
    StepVerifier.create(failing.transform(Tensors.builder(parent).build()))
        .thenConsumeWhile(b -> true, b -> b.close())
        .expectErrorMessage("disk gone")
        .verify(TIMEOUT);
    assertReleased("upstream error", parent, 0, loader.bufferPool());
  }

  @Test
  void fieldTypeDjlCannotHoldFailsNamingTheType() throws IOException {
    try (NpyArray shorts =
        NpyArray.create(dir.resolve("s.npy"), DType.parse("<i2"), new long[] {10, 2})) {
      Loader loader = Loader.builder(shorts).batchSize(5).build();
      StepVerifier.create(loader.batches().transform(Tensors.builder(parent).labels().build()))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(StageException.class)
                      .hasMessageContaining("convert stage failed on batch 0 of epoch 0")
                      .hasCauseInstanceOf(IllegalArgumentException.class)
                      .hasMessageContaining("<i2")
                      .hasMessageContaining("no DJL equivalent"))
          .verify(TIMEOUT);
      assertReleased("int16 field", parent, 0, loader.bufferPool());
    }
  }

  @Test
  void missingFieldFailsNamingTheField() {
    Loader loader = loader(10);
    StepVerifier.create(loader.batches().transform(Tensors.builder(parent).labels(2).build()))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(StageException.class)
                    .hasMessageContaining("convert stage failed")
                    .hasMessageContaining("field 2 requested but the batches have 2 fields"))
        .verify(TIMEOUT);
    assertReleased("missing field", parent, 0, loader.bufferPool());
  }

  @Test
  void rejectsNegativeFieldAndNonPositiveLookahead() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> Tensors.builder(parent).data(-1))
        .withMessageContaining("data");
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> Tensors.builder(parent).batchesAhead(0))
        .withMessageContaining("batchesAhead must be >= 1, was 0");
  }
}
