package dev.memflux.core.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.PooledBuffer;
import dev.memflux.core.testing.Leaks;
import dev.memflux.core.testing.TestArrays;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage SPI's moves of a batch, called from outside Batch's package as stages call them. */
class BatchesTest {

  @TempDir Path dir;
  NpyArray x;
  Loader loader;

  @BeforeEach
  void open() throws Exception {
    // 8 rows of 2 uint8 elements: row r holds r * 10 and r * 10 + 1
    x = TestArrays.of(DType.UINT8, 8, 2).values((row, k) -> row * 10 + k).write(dir.resolve("x"));
    loader = Loader.builder(x).batchSize(4).build();
  }

  @AfterEach
  void close() {
    x.close();
  }

  private Batch first() {
    return loader.batches().take(1).blockLast(Duration.ofSeconds(10));
  }

  @Test
  void withFieldMovesTheBatchIntoOneWithTheNewFieldAndReturnsTheOldBuffer() {
    BufferPool pool = new BufferPool();
    Batch in = first();
    PooledBuffer floats = pool.acquire(4 * 2 * Float.BYTES);
    for (int i = 0; i < 8; i++) {
      floats.buffer().putFloat(i * Float.BYTES, in.field(0).get(i) / 2f);
    }

    try (Batch out = Batches.withField(in, 0, floats, new long[] {4, 2}, DType.FLOAT32)) {
      assertThat(in.isClosed()).isTrue();
      assertThat(out.fieldType(0)).isEqualTo(DType.FLOAT32);
      assertThat(out.fieldShape(0)).containsExactly(4, 2);
      assertThat(out.field(0).getFloat(3 * Float.BYTES)).isEqualTo(5.5f); // row 1, element 1
      assertThat(out.indices()).containsExactly(in.indices());
    }
    Leaks.assertReleased("withField", loader.bufferPool(), pool); // the uint8 buffer went back
  }

  @Test
  void withFieldRefusesAShapeNotStartingWithTheBatchSizeAndKeepsTheBatch() {
    BufferPool pool = new BufferPool();
    try (Batch in = first();
        PooledBuffer buffer = pool.acquire(64)) {
      assertThatThrownBy(() -> Batches.withField(in, 0, buffer, new long[] {3, 2}, DType.FLOAT32))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("field shape must start with the batch size 4, was [3, 2]");
      assertThat(in.isClosed()).isFalse();
    }
  }

  @Test
  void retainKeepsTheRowsAtThePositionsCompacted() {
    Batch in = first();
    try (Batch out = Batches.retain(in, new int[] {1, 3})) {
      assertThat(in.isClosed()).isTrue();
      assertThat(out.size()).isEqualTo(2);
      assertThat(out.indices()).containsExactly(in.indices()[1], in.indices()[3]);
      assertThat(out.field(0).get(0)).isEqualTo((byte) (in.indices()[1] * 10));
      assertThat(out.field(0).get(3)).isEqualTo((byte) (in.indices()[3] * 10 + 1));
    }
    Leaks.assertReleased("retain", loader.bufferPool());
  }

  @Test
  void retainRefusesPositionsOutOfOrderAndAClosedBatch() {
    Batch in = first();
    assertThatThrownBy(() -> Batches.retain(in, new int[] {2, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("positions must be ascending within [0, 4), was [2, 1]");
    in.close();
    assertThatThrownBy(() -> Batches.retain(in, new int[] {0}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void handedOnByReturnsTheSameBatch() {
    try (Batch in = first()) {
      assertThat(Batches.handedOnBy(in, "mine")).isSameAs(in);
    }
  }
}
