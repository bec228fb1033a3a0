package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.StageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * {@link Tensors.Builder#cast} on files numpy wrote (copies of core's {@code /layouts} fixtures):
 * the {@code np.memmap} uint16 token file, which DJL cannot hold, widened to int64 and int32;
 * numpy's float64 features to float32; and the casts that cannot be made, refused with their
 * reason.
 */
class TensorsCastTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private NDManager parent;

  @BeforeEach
  void setUp() {
    parent = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    parent.close();
  }

  /** A fixture (a copy of core's, made by numpy), copied out of the classpath to be mapped. */
  private Path fixture(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = TensorsCastTest.class.getResourceAsStream("/layouts/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource /layouts/" + name);
      }
      Files.copy(in, file);
    }
    return file;
  }

  private NpyArray tokens() throws IOException {
    return NpyArray.openRaw(fixture("tokens.bin"), DType.parse("<u2"), new long[] {1000}, 0);
  }

  static long token(long i) {
    return (i * 7919) % 50000;
  }

  @Test
  void uint16TokenWindowsBecomeInt64AndInt32OnEveryDevicePath() throws IOException {
    try (NpyArray stream = tokens()) {
      NpyArray x = stream.slice(0, 999).windows(8, 1);
      NpyArray y = stream.slice(1, 1000).windows(8, 1);
      for (boolean devicePath : new boolean[] {false, true}) {
        Tensors.Builder b = Tensors.builder(parent).cast(DataType.INT64, 0).cast(DataType.INT32, 1);
        Tensors tensors = devicePath ? b.devicePath().build() : b.build();
        Loader loader = Loader.builder(x, y).batchSize(100).build();
        StepVerifier.create(loader.batches().transform(tensors))
            .thenConsumeWhile(
                batch -> {
                  try (batch) {
                    NDArray in = batch.getData().head();
                    NDArray next = batch.getLabels().head();
                    assertThat(in.getDataType()).isEqualTo(DataType.INT64);
                    assertThat(next.getDataType()).isEqualTo(DataType.INT32);
                    assertThat(in.getShape()).isEqualTo(new Shape(batch.getSize(), 8));
                    List<?> ids = batch.getIndices();
                    long[] values = in.toLongArray();
                    int[] nexts = next.toIntArray();
                    for (int k = 0; k < ids.size(); k++) {
                      long id = (Long) ids.get(k);
                      for (int j = 0; j < 8; j++) {
                        assertThat(values[k * 8 + j]).isEqualTo(token(id + j));
                        assertThat(nexts[k * 8 + j]).isEqualTo((int) token(id + j + 1));
                      }
                    }
                  }
                  return true;
                })
            .expectComplete()
            .verify(TIMEOUT);
        assertThat(tensors.castPool().outstanding()).as("widened buffers returned").isZero();
        assertThat(loader.bufferPool().outstanding()).isZero();
        assertThat(parent.getManagedArrays()).isEmpty();
      }
    }
  }

  @Test
  void numpysFloat64FeaturesBecomeFloat32() throws IOException {
    try (NpyArray x = NpyArray.open(fixture("features.npy"));
        NpyArray y = NpyArray.open(fixture("targets.npy"))) {
      Tensors tensors = Tensors.builder(parent).cast(DataType.FLOAT32, 0, 1).build();
      StepVerifier.create(Loader.builder(x, y).batchSize(20).build().batches().transform(tensors))
          .assertNext(
              batch -> {
                try (batch) {
                  NDArray features = batch.getData().head();
                  assertThat(features.getDataType()).isEqualTo(DataType.FLOAT32);
                  assertThat(features.getFloat(19, 3)).isEqualTo(79 / 8f);
                  assertThat(batch.getLabels().head().getDataType()).isEqualTo(DataType.FLOAT32);
                  assertThat(batch.getLabels().head().getFloat(7)).isEqualTo(3.5f);
                }
              })
          .expectComplete()
          .verify(TIMEOUT);
    }
  }

  @Test
  void aValueThatDoesNotFitItsCastFailsNamingFieldValueAndRemedy() throws IOException {
    Path big = dir.resolve("big.npy");
    try (NpyArray a = NpyArray.create(big, DType.parse("<u8"), new long[] {2})) {
      a.setLong(-1, 1); // 2^64 - 1
    }
    try (NpyArray a = NpyArray.open(big)) {
      Tensors tensors = Tensors.builder(parent).data(0).labels().cast(DataType.INT64, 0).build();
      StepVerifier.create(Loader.builder(a).batchSize(2).build().batches().transform(tensors))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(StageException.class)
                      .hasRootCauseMessage(
                          "field 0: value 18446744073709551615 of type <u8 does not fit int64;"
                              + " cast to float64"))
          .verify(TIMEOUT);
      Tensors floats = Tensors.builder(parent).data(0).labels().cast(DataType.FLOAT64, 0).build();
      StepVerifier.create(Loader.builder(a).batchSize(2).build().batches().transform(floats))
          .assertNext(
              batch -> {
                try (batch) {
                  assertThat(batch.getData().head().getDouble(1)).isEqualTo(0x1p64);
                }
              })
          .expectComplete()
          .verify(TIMEOUT);
      assertThat(floats.castPool().outstanding()).isZero();
    }
  }

  @Test
  void castsThatCannotBeMadeAreRefused() throws IOException {
    assertThatThrownBy(() -> Tensors.builder(parent).cast(DataType.UINT16, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "cannot cast a field to uint16: cast to one of [float32, float64, float16, uint8,"
                + " int32, int8, int64, boolean]");
    assertThatThrownBy(() -> TrainingOptions.builder().cast(DataType.INT64, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cast field indices must be >= 0, was [-1]");
    try (NpyArray stream = tokens()) {
      Tensors narrow = Tensors.builder(parent).data(0).labels().cast(DataType.UINT8, 0).build();
      StepVerifier.create(
              Loader.builder(stream).batchSize(10).build().batches().take(1).transform(narrow))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .hasRootCauseMessage(
                          "field 0 of type <u2 can be cast to int32, int64, float32 or float64,"
                              + " not uint8"))
          .verify(TIMEOUT);
      Tensors uncast = Tensors.builder(parent).data(0).labels().build();
      StepVerifier.create(
              Loader.builder(stream).batchSize(10).build().batches().take(1).transform(uncast))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .rootCause()
                      .hasMessageContaining("field type <u2 has no DJL equivalent")
                      .hasMessageContaining("cast(DataType.INT64, field)"))
          .verify(TIMEOUT);
    }
    assertThat(parent.getManagedArrays()).isEmpty();
  }
}
