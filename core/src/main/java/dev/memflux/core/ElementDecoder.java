package dev.memflux.core;

/**
 * Reads single elements of one dtype from a mapping as Java values: the decoding half of numpy's
 * scalar conversion ({@link ElementBits} is the encoding half). Unsigned 64-bit values are rounded
 * to double once; float16 is widened exactly; bool reads as 0 or 1.
 */
final class ElementDecoder {

  private final DType dtype;
  private final MappedReader data;

  ElementDecoder(DType dtype, MappedReader data) {
    this.dtype = dtype;
    this.data = data;
  }

  /** The element at file offset {@code offset} as a double. */
  double readDouble(long offset) {
    return switch (dtype.kind()) {
      case BOOL -> data.getByte(offset) != 0 ? 1 : 0;
      case INT -> readBits(offset);
      case UINT -> {
        long v = readBits(offset);
        // Unsigned 64-bit to double, rounded once: halve (keeping the sticky bit), convert, double.
        yield v >= 0 ? v : ((double) ((v >>> 1) | (v & 1))) * 2.0;
      }
      case FLOAT ->
          switch (dtype.itemSize()) {
            case 2 -> Half.toFloat(data.getShort(offset));
            case 4 -> data.getFloat(offset);
            default -> data.getDouble(offset);
          };
    };
  }

  /** An integer or bool element, sign- or zero-extended by its kind. */
  long readBits(long offset) {
    boolean signed = dtype.kind() == DType.Kind.INT;
    return switch (dtype.itemSize()) {
      case 1 -> {
        byte b = data.getByte(offset);
        yield dtype.kind() == DType.Kind.BOOL ? (b != 0 ? 1 : 0) : signed ? b : b & 0xffL;
      }
      case 2 -> signed ? data.getShort(offset) : data.getShort(offset) & 0xffffL;
      case 4 -> signed ? data.getInt(offset) : data.getInt(offset) & 0xffffffffL;
      default -> data.getLong(offset);
    };
  }
}
