package dev.memflux.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.DType;
import dev.memflux.core.PooledBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

/**
 * A field's conversion to another element type on its way into an NDArray, for {@link Tensors}:
 * uint16 tokens to the int64 indices an embedding takes, float64 features to the float32 a model
 * computes in. A type DJL holds is converted by the engine ({@code toType}, one native pass); the
 * integer types DJL's PyTorch engine cannot hold (int16, uint16, uint32, uint64: creating such an
 * NDArray aborts the JVM) are widened in Java into a pooled buffer, which the batch's manager
 * releases with the batch.
 */
final class FieldCast {

  /** The types a field can be cast to: those DJL's PyTorch engine holds and computes with. */
  static final Set<DataType> TARGETS =
      EnumSet.of(
          DataType.BOOLEAN,
          DataType.UINT8,
          DataType.INT8,
          DataType.INT32,
          DataType.INT64,
          DataType.FLOAT16,
          DataType.FLOAT32,
          DataType.FLOAT64);

  /** The types a Java widening produces. */
  private static final Set<DataType> WIDENED =
      EnumSet.of(DataType.INT32, DataType.INT64, DataType.FLOAT32, DataType.FLOAT64);

  private FieldCast() {}

  /** {@code target} after checking that a field can be cast to it. */
  static DataType checkTarget(DataType target) {
    if (target == null || !TARGETS.contains(target)) {
      throw new IllegalArgumentException(
          "cannot cast a field to "
              + target
              + ": cast to one of "
              + TARGETS.stream().map(DataType::toString).toList());
    }
    return target;
  }

  /**
   * Field {@code f} of {@code host} as an NDArray of {@code target} in {@code manager}, never
   * aliasing the host batch's buffer.
   *
   * @param pool where the buffer of a Java widening comes from
   * @param createAliases whether {@code manager.create} of a direct buffer aliases it (a CPU
   *     device) rather than copying it (any other device)
   * @param keepAlias whether an aliased buffer may stay leased until the manager closes; else the
   *     NDArray is copied from it and it is returned at once
   * @throws IllegalArgumentException naming the field when a value does not fit {@code target}, or
   *     the cast is one memflux does not make
   */
  static NDArray cast(
      Batch host,
      int f,
      DataType target,
      NDManager manager,
      BufferPool pool,
      boolean createAliases,
      boolean keepAlias) {
    DType type = host.fieldType(f);
    Shape shape = new Shape(host.fieldShape(f));
    DataType own = DataTypes.orNull(type);
    if (own != null) {
      try (NDArray raw = manager.create(host.field(f), shape, own)) {
        return raw.toType(target, false);
      }
    }
    if (!WIDENED.contains(target)) {
      throw new IllegalArgumentException(
          "field "
              + f
              + " of type "
              + type
              + " can be cast to int32, int64, float32 or float64, not "
              + target);
    }
    ByteBuffer in = host.field(f);
    int n = in.remaining() / type.itemSize();
    PooledBuffer wide = pool.acquire(n * target.getNumOfBytes());
    try {
      ByteBuffer out = wide.buffer().order(ByteOrder.nativeOrder());
      widen(in, type, n, out, target, f);
      NDArray array = manager.create(out, shape, target);
      if (createAliases && keepAlias) {
        manager.attachInternal("memflux-cast-" + f, wide);
        wide = null;
      } else if (createAliases) {
        NDArray aliasing = array;
        array = aliasing.duplicate();
        aliasing.close();
      }
      return array;
    } finally {
      if (wide != null) {
        wide.close();
      }
    }
  }

  /**
   * Writes the {@code n} integers of {@code in} (native order) to {@code out} as {@code target}.
   */
  private static void widen(
      ByteBuffer in, DType type, int n, ByteBuffer out, DataType target, int field) {
    int size = type.itemSize();
    boolean signed = type.kind() == DType.Kind.INT;
    for (int i = 0; i < n; i++) {
      long v =
          switch (size) {
            case 2 -> signed ? in.getShort(i * 2) : in.getShort(i * 2) & 0xffffL;
            case 4 -> signed ? in.getInt(i * 4) : in.getInt(i * 4) & 0xffffffffL;
            default -> in.getLong(i * 8);
          };
      boolean unsigned64 = size == 8 && !signed && v < 0;
      switch (target) {
        case INT32 -> {
          if (unsigned64 || v != (int) v) {
            throw doesNotFit(v, unsigned64, type, target, field);
          }
          out.putInt(i * 4, (int) v);
        }
        case INT64 -> {
          if (unsigned64) {
            throw doesNotFit(v, true, type, target, field);
          }
          out.putLong(i * 8, v);
        }
        case FLOAT32 -> out.putFloat(i * 4, (float) unsignedAware(v, unsigned64));
        default -> out.putDouble(i * 8, unsignedAware(v, unsigned64));
      }
    }
  }

  private static double unsignedAware(long v, boolean unsigned64) {
    return unsigned64 ? ((double) ((v >>> 1) | (v & 1))) * 2.0 : v;
  }

  private static IllegalArgumentException doesNotFit(
      long v, boolean unsigned64, DType type, DataType target, int field) {
    return new IllegalArgumentException(
        "field "
            + field
            + ": value "
            + (unsigned64 ? Long.toUnsignedString(v) : Long.toString(v))
            + " of type "
            + type
            + " does not fit "
            + target
            + "; cast to "
            + (target == DataType.INT32 ? "int64" : "float64"));
  }
}
