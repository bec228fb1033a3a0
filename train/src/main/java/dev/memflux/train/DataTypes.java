package dev.memflux.train;

import ai.djl.ndarray.types.DataType;
import dev.memflux.core.DType;
import org.jspecify.annotations.Nullable;

/** Maps memflux element types to the DJL data types an NDArray can hold. */
final class DataTypes {

  private DataTypes() {}

  /**
   * The DJL type for {@code type}.
   *
   * @throws IllegalArgumentException for types DJL cannot hold (int16, uint16, uint32, uint64)
   */
  static DataType of(DType type) {
    @Nullable DataType result = orNull(type);
    if (result == null) {
      throw new IllegalArgumentException(
          "field type "
              + type
              + " has no DJL equivalent: DJL holds b1, u1, i1, i4, i8, f2, f4 and f8; cast the"
              + " field on conversion (TrainingOptions or Tensors: cast(DataType.INT64, field)),"
              + " convert it with numpy's astype, or in an augmentation op");
    }
    return result;
  }

  /** The DJL type for {@code type}, or null for types DJL cannot hold. */
  static @Nullable DataType orNull(DType type) {
    int size = type.itemSize();
    return switch (type.kind()) {
      case BOOL -> DataType.BOOLEAN;
      case UINT -> size == 1 ? DataType.UINT8 : null;
      case INT ->
          size == 1
              ? DataType.INT8
              : size == 4 ? DataType.INT32 : size == 8 ? DataType.INT64 : null;
      case FLOAT -> size == 2 ? DataType.FLOAT16 : size == 4 ? DataType.FLOAT32 : DataType.FLOAT64;
    };
  }
}
