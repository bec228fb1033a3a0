package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Pins down what DJL 0.36 / PyTorch 2.7.1 does with the buffer given to {@code
 * NDManager.create(Buffer, Shape, DataType)} on the CPU, which the tensor stage relies on.
 */
class DjlZeroCopyTest {

  private static ByteBuffer floats(boolean direct, ByteOrder order, float... values) {
    ByteBuffer b =
        (direct
                ? ByteBuffer.allocateDirect(values.length * 4)
                : ByteBuffer.allocate(values.length * 4))
            .order(order);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.flip();
  }

  @Test
  void directBufferOnCpuIsAliasedNotCopied() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ByteBuffer buffer = floats(true, ByteOrder.nativeOrder(), 1, 2, 3);
      NDArray array = manager.create(buffer, new Shape(3), DataType.FLOAT32);
      buffer.putFloat(4, 20f);
      assertThat(array.toFloatArray()).containsExactly(1f, 20f, 3f);
      array.set(new ai.djl.ndarray.index.NDIndex("2"), 30f);
      assertThat(buffer.getFloat(8)).isEqualTo(30f);
    }
  }

  @Test
  void heapBufferIsCopied() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ByteBuffer buffer = floats(false, ByteOrder.nativeOrder(), 1, 2, 3);
      NDArray array = manager.create(buffer, new Shape(3), DataType.FLOAT32);
      buffer.putFloat(4, 20f);
      assertThat(array.toFloatArray()).containsExactly(1f, 2f, 3f);
    }
  }

  @Test
  void directBufferIsReadFromItsStartWhateverItsPosition() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ByteBuffer buffer = floats(true, ByteOrder.nativeOrder(), 1, 2, 3, 4);
      buffer.position(4);
      NDArray array = manager.create(buffer, new Shape(3), DataType.FLOAT32);
      assertThat(array.toFloatArray()).containsExactly(1f, 2f, 3f);
    }
  }

  @Test
  void directBufferIsReadInNativeOrderWhateverItsOrder() {
    ByteOrder foreign =
        ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
            ? ByteOrder.BIG_ENDIAN
            : ByteOrder.LITTLE_ENDIAN;
    try (NDManager manager = NDManager.newBaseManager()) {
      ByteBuffer buffer = floats(true, foreign, 1f);
      NDArray array = manager.create(buffer, new Shape(1), DataType.FLOAT32);
      assertThat(array.getFloat()).isEqualTo(buffer.order(ByteOrder.nativeOrder()).getFloat(0));
      assertThat(array.getFloat()).isNotEqualTo(1f);
    }
  }
}
