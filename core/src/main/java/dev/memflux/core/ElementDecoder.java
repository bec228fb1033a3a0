package dev.memflux.core;

/**
 * Reads single elements of one dtype from a mapping: their bits, which {@link ElementBits} turns
 * into doubles as it does for every reader of elements.
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
    return ElementBits.toDouble(dtype, readBits(offset));
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
