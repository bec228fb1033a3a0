package dev.memflux.core;

import com.google.errorprone.annotations.Immutable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A numeric NumPy element type: kind, size in bytes and byte order, as in numpy's {@code
 * dtype.str}.
 *
 * <pre>{@code
 * DType f = DType.parse("<f4");   // little-endian float32
 * f.descr();                      // "<f4"
 * DType.parse("|u1").itemSize();  // 1
 * }</pre>
 *
 * <p>Single-byte types have no byte order; they report the native order and print as {@code '|'}.
 *
 * @param kind the element kind
 * @param itemSize bytes per element: 1 for bool and 8-bit integers, 2, 4 or 8 otherwise
 * @param order the byte order of elements in the file
 */
@Immutable
public record DType(Kind kind, int itemSize, ByteOrder order) {

  /** bool, stored as one byte 0 or 1. */
  public static final DType BOOL = new DType(Kind.BOOL, 1, ByteOrder.nativeOrder());

  /** int8. */
  public static final DType INT8 = new DType(Kind.INT, 1, ByteOrder.nativeOrder());

  /** uint8. */
  public static final DType UINT8 = new DType(Kind.UINT, 1, ByteOrder.nativeOrder());

  /** int16 in native order. */
  public static final DType INT16 = new DType(Kind.INT, 2, ByteOrder.nativeOrder());

  /** int32 in native order. */
  public static final DType INT32 = new DType(Kind.INT, 4, ByteOrder.nativeOrder());

  /** int64 in native order. */
  public static final DType INT64 = new DType(Kind.INT, 8, ByteOrder.nativeOrder());

  /** float16 in native order. */
  public static final DType FLOAT16 = new DType(Kind.FLOAT, 2, ByteOrder.nativeOrder());

  /** float32 in native order. */
  public static final DType FLOAT32 = new DType(Kind.FLOAT, 4, ByteOrder.nativeOrder());

  /** float64 in native order. */
  public static final DType FLOAT64 = new DType(Kind.FLOAT, 8, ByteOrder.nativeOrder());

  /** The element kinds memflux reads; numpy's type character for each. */
  public enum Kind {
    BOOL('b'),
    INT('i'),
    UINT('u'),
    FLOAT('f');

    private final char code;

    Kind(char code) {
      this.code = code;
    }

    /** numpy's one-letter kind code ({@code 'b'}, {@code 'i'}, {@code 'u'}, {@code 'f'}). */
    public char code() {
      return code;
    }
  }

  /** Validates the kind/size pair and normalises single-byte types to native order. */
  public DType {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(order, "order");
    boolean valid =
        switch (kind) {
          case BOOL -> itemSize == 1;
          case INT, UINT -> itemSize == 1 || itemSize == 2 || itemSize == 4 || itemSize == 8;
          case FLOAT -> itemSize == 2 || itemSize == 4 || itemSize == 8;
        };
    if (!valid) {
      throw new IllegalArgumentException(
          "unsupported dtype: kind " + kind + " with " + itemSize + " bytes");
    }
    if (itemSize == 1) {
      order = ByteOrder.nativeOrder();
    }
  }

  /**
   * Parses a numpy type string such as {@code "<f4"}, {@code ">i8"}, {@code "|u1"}, {@code "=f8"},
   * {@code "f4"} (native order) or {@code "?"} (bool).
   *
   * @throws IllegalArgumentException naming the string when it is not a supported numeric dtype
   */
  public static DType parse(String descr) {
    Objects.requireNonNull(descr, "descr");
    String s = descr.strip();
    if (s.equals("?") || s.equals("|?") || s.equals("=?")) {
      return BOOL;
    }
    ByteOrder order = ByteOrder.nativeOrder();
    if (!s.isEmpty() && "<>|=".indexOf(s.charAt(0)) >= 0) {
      char c = s.charAt(0);
      order =
          c == '<'
              ? ByteOrder.LITTLE_ENDIAN
              : c == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.nativeOrder();
      s = s.substring(1);
    }
    if (s.length() != 2) {
      throw new IllegalArgumentException(unsupported(descr));
    }
    Kind kind =
        switch (s.charAt(0)) {
          case 'b' -> Kind.BOOL;
          case 'i' -> Kind.INT;
          case 'u' -> Kind.UINT;
          case 'f' -> Kind.FLOAT;
          default -> throw new IllegalArgumentException(unsupported(descr));
        };
    char sizeChar = s.charAt(1);
    if (sizeChar < '1' || sizeChar > '8') {
      throw new IllegalArgumentException(unsupported(descr));
    }
    int size = sizeChar - '0';
    // Single-byte types get native order from the constructor, whatever the prefix said.
    try {
      return new DType(kind, size, order);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(unsupported(descr), e);
    }
  }

  private static String unsupported(String descr) {
    return "unsupported dtype '"
        + descr
        + "': memflux reads b1, i1, u1, i2, u2, i4, u4, i8, u8, f2, f4, f8 in '<', '>', '|' or '='"
        + " byte order";
  }

  /** numpy's {@code dtype.str}: {@code "<f4"}, {@code ">i8"}, {@code "|u1"}, {@code "|b1"}. */
  public String descr() {
    char prefix = itemSize == 1 ? '|' : order == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
    return "" + prefix + kind.code + itemSize;
  }

  /** True when elements are stored in this machine's byte order (always for 1-byte types). */
  public boolean isNativeOrder() {
    return itemSize == 1 || order == ByteOrder.nativeOrder();
  }

  /** This type in native byte order: what a gather writes into its destination. */
  public DType toNativeOrder() {
    return isNativeOrder() ? this : new DType(kind, itemSize, ByteOrder.nativeOrder());
  }

  /**
   * The element of this type at byte index {@code at} of {@code buffer} as a double, read in this
   * type's byte order whatever the buffer's: exact for every integer up to 2^53 in magnitude and
   * for float16 (widened), unsigned 64-bit values rounded once, bool as 0 or 1. A batch's fields
   * are in native order, so {@code batch.fieldType(i).getDouble(batch.field(i), at)} reads them.
   *
   * @throws IndexOutOfBoundsException when the element does not lie within the buffer's limit
   */
  public double getDouble(ByteBuffer buffer, int at) {
    boolean swap = itemSize > 1 && buffer.order() != order;
    long bits =
        switch (itemSize) {
          case 1 -> buffer.get(at) & 0xffL;
          case 2 -> {
            short v = buffer.getShort(at);
            yield (swap ? Short.reverseBytes(v) : v) & 0xffffL;
          }
          case 4 -> {
            int v = buffer.getInt(at);
            yield (swap ? Integer.reverseBytes(v) : v) & 0xffff_ffffL;
          }
          default -> swap ? Long.reverseBytes(buffer.getLong(at)) : buffer.getLong(at);
        };
    return ElementBits.toDouble(this, bits);
  }

  @Override
  public String toString() {
    return descr();
  }
}
