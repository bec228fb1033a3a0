package dev.memflux.core;

/**
 * IEEE 754 binary16 (numpy {@code float16}) conversions; Java 17 has no {@code
 * Float.float16ToFloat}. Conversion to half rounds to nearest, ties to even, like numpy.
 */
final class Half {

  private Half() {}

  /** The float value of the half-precision bits {@code h}; exact, since floats hold every half. */
  static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float subnormal = mantissa * 0x1p-24f;
      return sign == 0 ? subnormal : -subnormal;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /**
   * The half-precision bits nearest to {@code value}, rounding from the double directly so there is
   * no double rounding through float.
   */
  static short fromDouble(double value) {
    int sign = (int) (Double.doubleToRawLongBits(value) >>> 48) & 0x8000;
    if (Double.isNaN(value)) {
      return (short) (sign | 0x7e00);
    }
    double magnitude = Math.abs(value);
    if (magnitude < 0x1p-14) {
      // Subnormal range: count units of 2^-24; 1024 units is the smallest normal, encoded alike.
      return (short) (sign | (int) Math.rint(magnitude * 0x1p24));
    }
    int exponent = Math.getExponent(magnitude);
    long mantissa = exponent > 15 ? 0 : (long) Math.rint(Math.scalb(magnitude, 10 - exponent));
    if (mantissa == 2048) {
      mantissa = 1024;
      exponent++;
    }
    if (exponent > 15) {
      return (short) (sign | 0x7c00);
    }
    return (short) (sign | ((exponent + 15) << 10) | (int) (mantissa - 1024));
  }
}
