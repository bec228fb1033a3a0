package dev.memflux.core;

/**
 * The one element codec: how a Java value becomes the bits of one element, converted as numpy's
 * assignment converts it (integers range-checked, a u8 taking a long's 64 bits as they are, doubles
 * truncated toward zero for integer types, bool as {@code value != 0}, floats rounded to nearest),
 * and how those bits read back as a double. The bits sit in the low {@code itemSize} bytes. Shared
 * by {@link NpyArray}'s getters and setters, {@link NpyWriter} and {@link DType#getDouble}.
 */
final class ElementBits {

  private ElementBits() {}

  /**
   * @throws IllegalArgumentException naming the value when it does not fit {@code type}
   */
  static long ofLong(DType type, long value) {
    return switch (type.kind()) {
      case FLOAT -> ofDouble(type, (double) value);
      case BOOL -> value != 0 ? 1 : 0;
      default -> {
        int bits = type.itemSize() * 8;
        boolean fits =
            bits == 64
                || (type.kind() == DType.Kind.INT
                    ? value >= -(1L << (bits - 1)) && value < (1L << (bits - 1))
                    : value >= 0 && value < (1L << bits));
        if (!fits) {
          throw outOfRange(type, Long.toString(value));
        }
        yield value;
      }
    };
  }

  /**
   * @throws IllegalArgumentException naming the value when it does not fit {@code type}
   */
  static long ofDouble(DType type, double value) {
    return switch (type.kind()) {
      case BOOL -> value != 0 ? 1 : 0;
      case FLOAT ->
          switch (type.itemSize()) {
            case 2 -> Half.fromDouble(value) & 0xffffL;
            case 4 -> Float.floatToRawIntBits((float) value) & 0xffff_ffffL;
            default -> Double.doubleToRawLongBits(value);
          };
      case INT, UINT -> {
        if (!Double.isFinite(value)) {
          throw outOfRange(type, Double.toString(value));
        }
        double truncated = value < 0 ? Math.ceil(value) : Math.floor(value);
        if (type.kind() == DType.Kind.UINT && type.itemSize() == 8) {
          if (truncated < 0 || truncated >= 0x1p64) {
            throw outOfRange(type, Double.toString(value));
          }
          // At 2^63 and above doubles are even integers, so halving is exact.
          yield truncated < 0x1p63 ? (long) truncated : ((long) (truncated / 2)) << 1;
        }
        if (truncated < -0x1p63 || truncated >= 0x1p63) {
          throw outOfRange(type, Double.toString(value));
        }
        yield ofLong(type, (long) truncated);
      }
    };
  }

  /**
   * The element whose bits are the low {@code itemSize} bytes of {@code bits} as a double: integers
   * sign- or zero-extended by their kind (bits already extended read the same), unsigned 64-bit
   * values rounded once, float16 widened exactly, bool as 0 or 1.
   */
  static double toDouble(DType type, long bits) {
    int unused = 64 - 8 * type.itemSize();
    return switch (type.kind()) {
      case BOOL -> bits != 0 ? 1 : 0;
      case INT -> (bits << unused) >> unused;
      // Unsigned 64-bit to double, rounded once: halve (keeping the sticky bit), convert, double.
      case UINT -> bits >= 0 ? bits : ((double) ((bits >>> 1) | (bits & 1))) * 2.0;
      case FLOAT ->
          switch (type.itemSize()) {
            case 2 -> Half.toFloat((short) bits);
            case 4 -> Float.intBitsToFloat((int) bits);
            default -> Double.longBitsToDouble(bits);
          };
    };
  }

  private static IllegalArgumentException outOfRange(DType type, String value) {
    return new IllegalArgumentException("value " + value + " does not fit in " + type);
  }
}
