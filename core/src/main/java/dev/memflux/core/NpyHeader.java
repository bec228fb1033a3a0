package dev.memflux.core;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.PyLiteralParser.Dict;
import dev.memflux.core.PyLiteralParser.Entry;
import dev.memflux.core.PyLiteralParser.Node;
import dev.memflux.core.PyLiteralParser.PyList;
import dev.memflux.core.PyLiteralParser.Tuple;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The header of a .npy file (format versions 1.0, 2.0 and 3.0): what the array holds and where its
 * data starts. Reads headers numpy accepts and writes headers numpy reads.
 *
 * @param dtype the element type
 * @param fortranOrder whether elements are stored in Fortran (column-major) order
 * @param shape the array's dimensions, each non-negative
 * @param version {@code "1.0"}, {@code "2.0"} or {@code "3.0"}
 * @param dataOffset byte offset of the first element in the file
 */
record NpyHeader(DType dtype, boolean fortranOrder, long[] shape, String version, long dataOffset) {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final String MAGIC_TEXT = "magic string \\x93NUMPY";

  /** numpy pads the header so data starts on a 64-byte boundary. */
  private static final int ALIGN = 64;

  /** numpy itself refuses headers over 10000 bytes; this keeps a hostile length from an OOM. */
  private static final int MAX_HEADER_BYTES = 1 << 20;

  /**
   * The most dimensions a .npy array may have: numpy 2 refuses more (numpy 1 refuses more than 32),
   * so a file with more could not be read back by numpy.
   */
  static final int MAX_DIMS = 64;

  private static final String DESCR = "descr";
  private static final String FORTRAN_ORDER = "fortran_order";
  private static final String SHAPE = "shape";

  NpyHeader {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(version, "version");
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NpyHeader h
        && dtype.equals(h.dtype)
        && fortranOrder == h.fortranOrder
        && Arrays.equals(shape, h.shape)
        && version.equals(h.version)
        && dataOffset == h.dataOffset;
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, fortranOrder, Arrays.hashCode(shape), version, dataOffset);
  }

  @Override
  public String toString() {
    return "NpyHeader["
        + dtype
        + ", "
        + (fortranOrder ? "F" : "C")
        + ", "
        + shapeString(shape)
        + ", version "
        + version
        + ", data at "
        + dataOffset
        + "]";
  }

  /** numpy's repr of a shape tuple: {@code ()}, {@code (3,)}, {@code (3, 4)}. */
  static String shapeString(long[] shape) {
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    StringBuilder s = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      s.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return s.append(')').toString();
  }

  /**
   * The byte size of the elements on axes {@code fromAxis..} of {@code shape}, e.g. the whole array
   * for 0 and one row for 1.
   *
   * @throws ArithmeticException when it does not fit in a long
   */
  @CanIgnoreReturnValue // also called only for its check that the size fits
  static long byteSize(long[] shape, int fromAxis, int itemSize) {
    long bytes = itemSize;
    for (int i = fromAxis; i < shape.length; i++) {
      bytes = Math.multiplyExact(bytes, shape[i]);
    }
    return bytes;
  }

  /**
   * Reads and validates the header at the start of {@code channel}. Does not check that the file
   * holds all the data; the caller knows the file size and does.
   *
   * @throws NpyFormatException naming {@code file}, the byte offset, what was expected and found
   */
  static NpyHeader read(FileChannel channel, Path file) throws IOException {
    return read(channel, file, 0, channel.size(), "file");
  }

  /**
   * Reads and validates a .npy header that starts at byte {@code start} of {@code channel} and must
   * end by byte {@code end}, as a stored member of an .npz does. Offsets in messages, and the
   * header's {@link #dataOffset()}, are offsets in the file.
   *
   * @param container what ends at {@code end}, for messages: {@code "file"} or {@code "member"}
   * @throws NpyFormatException naming {@code file}, the byte offset, what was expected and found
   */
  static NpyHeader read(FileChannel channel, Path file, long start, long end, String container)
      throws IOException {
    long size = end - start;
    byte[] preamble = readBytes(channel, start, (int) Math.min(size, 12));
    String ended = "end of " + container + " after " + size + " bytes";
    for (int i = 0; i < MAGIC.length; i++) {
      if (i >= preamble.length) {
        throw new NpyFormatException(file, start + i, MAGIC_TEXT, ended);
      }
      if (preamble[i] != MAGIC[i]) {
        throw new NpyFormatException(
            file, start + i, MAGIC_TEXT + " (not a .npy file)", found(preamble));
      }
    }
    if (preamble.length < 8) {
      throw new NpyFormatException(file, start + preamble.length, "format version bytes", ended);
    }
    int major = preamble[6] & 0xff;
    int minor = preamble[7] & 0xff;
    if (major < 1 || major > 3 || minor != 0) {
      throw new NpyFormatException(
          file, start + 6, "format version 1.0, 2.0 or 3.0", "version " + major + "." + minor);
    }
    int lengthBytes = major == 1 ? 2 : 4;
    int headerStart = 8 + lengthBytes;
    if (preamble.length < headerStart) {
      throw new NpyFormatException(
          file, start + 8, lengthBytes + "-byte header length", ended + " (truncated header)");
    }
    ByteBuffer lengthField =
        ByteBuffer.wrap(preamble, 8, lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength =
        major == 1 ? lengthField.getShort() & 0xffffL : lengthField.getInt() & 0xffffffffL;
    if (headerLength > MAX_HEADER_BYTES) {
      throw new NpyFormatException(
          file,
          start + 8,
          "a header length of at most " + MAX_HEADER_BYTES + " bytes",
          headerLength + "");
    }
    long dataOffset = start + headerStart + headerLength;
    if (end < dataOffset) {
      throw new NpyFormatException(
          file,
          end,
          "a " + headerLength + "-byte header ending at byte " + dataOffset,
          "end of " + container + " (truncated header)");
    }
    byte[] raw = readBytes(channel, start + headerStart, (int) headerLength);
    String text = decode(raw, major == 3, file, start + headerStart);
    PyLiteralParser.Node root = PyLiteralParser.parse(text, file, start + headerStart, major == 3);
    return fromDict(
        new Source(file, start + headerStart, text, major == 3), root, major + ".0", dataOffset);
  }

  /**
   * What a file that is not a .npy starts with, and what it probably is: a zip archive is most
   * likely an .npz, whose stored members {@code NpyArray.openNpz} maps.
   */
  private static String found(byte[] preamble) {
    String bytes = "bytes " + hex(preamble, 6);
    if (preamble.length >= 4
        && preamble[0] == 'P'
        && preamble[1] == 'K'
        && preamble[2] == 3
        && preamble[3] == 4) {
      return bytes + " (a zip archive: an .npz? open its members with NpyArray.openNpz)";
    }
    return bytes;
  }

  /** The header text, where it sits in the file, and how to report a problem within it. */
  private record Source(Path file, long start, String text, boolean utf8) {

    NpyFormatException error(Node at, String expected, String found) {
      long offset =
          start
              + (utf8
                  ? text.substring(0, at.start()).getBytes(StandardCharsets.UTF_8).length
                  : at.start());
      return new NpyFormatException(file, offset, expected, found);
    }

    NpyFormatException error(Node at, String expected) {
      return error(at, expected, PyLiteralParser.snippet(text, at.start()));
    }
  }

  private static NpyHeader fromDict(Source src, Node root, String version, long dataOffset)
      throws NpyFormatException {
    if (!(root.value() instanceof Dict dict)) {
      throw src.error(root, "a dict literal {'descr': ..., 'fortran_order': ..., 'shape': ...}");
    }
    @Nullable Node descr = null;
    @Nullable Node fortran = null;
    @Nullable Node shape = null;
    for (Entry entry : dict.entries()) {
      Object key = entry.key().value();
      if (!(key instanceof String name)
          || !(name.equals(DESCR) || name.equals(FORTRAN_ORDER) || name.equals(SHAPE))) {
        throw src.error(entry.key(), "only the keys 'descr', 'fortran_order' and 'shape'");
      }
      boolean duplicate =
          switch (name) {
            case DESCR -> descr != null;
            case FORTRAN_ORDER -> fortran != null;
            default -> shape != null;
          };
      if (duplicate) {
        throw src.error(entry.key(), "each key once", "a second '" + name + "'");
      }
      switch (name) {
        case DESCR -> descr = entry.value();
        case FORTRAN_ORDER -> fortran = entry.value();
        default -> shape = entry.value();
      }
    }
    Node descrNode = present(src, root, DESCR, descr);
    Node fortranNode = present(src, root, FORTRAN_ORDER, fortran);
    Node shapeNode = present(src, root, SHAPE, shape);
    DType dtype = parseDescr(src, descrNode);
    if (!(fortranNode.value() instanceof Boolean fortranOrder)) {
      throw src.error(fortranNode, "True or False for 'fortran_order'");
    }
    long[] dims = parseShape(src, shapeNode);
    try {
      long dataBytes = byteSize(dims, 0, dtype.itemSize());
      byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
      Math.addExact(dataOffset, dataBytes);
    } catch (ArithmeticException e) {
      throw src.error(shapeNode, "a shape whose byte size fits in a signed 64-bit integer");
    }
    return new NpyHeader(dtype, fortranOrder, dims, version, dataOffset);
  }

  private static Node present(Source src, Node root, String key, @Nullable Node value)
      throws NpyFormatException {
    if (value == null) {
      throw src.error(root, "the key '" + key + "'", "a dict without it");
    }
    return value;
  }

  private static DType parseDescr(Source src, Node descr) throws NpyFormatException {
    String expected =
        "a numeric descr string: b1, i1, u1, i2, u2, i4, u4, i8, u8, f2, f4 or f8"
            + " in '<', '>', '|' or '=' order";
    if (descr.value() instanceof PyList || descr.value() instanceof Tuple) {
      throw src.error(
          descr,
          expected,
          "a structured dtype " + PyLiteralParser.snippet(src.text(), descr.start()));
    }
    if (!(descr.value() instanceof String s)) {
      throw src.error(descr, expected);
    }
    try {
      return DType.parse(s);
    } catch (IllegalArgumentException e) {
      throw src.error(descr, expected, "unsupported dtype '" + PyLiteralParser.excerpt(s) + "'");
    }
  }

  private static long[] parseShape(Source src, Node shape) throws NpyFormatException {
    if (!(shape.value() instanceof Tuple tuple)) {
      throw src.error(shape, "a tuple of ints for 'shape'");
    }
    if (tuple.items().size() > MAX_DIMS) {
      throw src.error(
          shape, "at most " + MAX_DIMS + " dimensions", tuple.items().size() + " dimensions");
    }
    long[] dims = new long[tuple.items().size()];
    for (int i = 0; i < dims.length; i++) {
      Node item = tuple.items().get(i);
      if (!(item.value() instanceof BigInteger dim)) {
        throw src.error(item, "an int dimension");
      }
      if (dim.signum() < 0) {
        throw src.error(item, "a non-negative dimension", dim.toString());
      }
      if (dim.bitLength() > 63) {
        throw src.error(item, "a dimension below 2^63", dim.toString());
      }
      dims[i] = dim.longValue();
    }
    return dims;
  }

  private static String decode(byte[] raw, boolean utf8, Path file, long start)
      throws NpyFormatException {
    if (!utf8) {
      return new String(raw, StandardCharsets.ISO_8859_1);
    }
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new NpyFormatException(file, start, "a UTF-8 header (format 3.0)", "invalid UTF-8");
    }
  }

  private static byte[] readBytes(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new EOFException("file shrank while its header was read");
      }
    }
    return buffer.array();
  }

  private static String hex(byte[] bytes, int max) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(max, bytes.length); i++) {
      s.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xff));
    }
    return s.toString();
  }

  /**
   * A copy of {@code shape}, checked as the shape of a new .npy file of {@code dtype}: at most
   * {@link #MAX_DIMS} dimensions, none negative, and a byte size (header included) that fits a
   * file.
   *
   * @throws IllegalArgumentException naming the shape and what is wrong with it
   */
  static long[] checkedShape(long[] shape, DType dtype) {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(dtype, "dtype");
    long[] dims = shape.clone();
    checkDims(dims);
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape " + shapeString(dims) + " has a negative dimension");
      }
    }
    try {
      byteSize(dims, 1, dtype.itemSize());
      Math.addExact(byteSize(dims, 0, dtype.itemSize()), encode(dtype, false, dims).length);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "shape " + shapeString(dims) + " of " + dtype + " is too large for a file");
    }
    return dims;
  }

  private static void checkDims(long[] shape) {
    if (shape.length > MAX_DIMS) {
      throw new IllegalArgumentException(
          "a shape of "
              + shape.length
              + " dimensions: .npy files hold at most "
              + MAX_DIMS
              + " (numpy reads no more)");
    }
  }

  /**
   * The complete header (magic, version, length, padded dict) numpy writes for a C- or
   * Fortran-ordered array. Always version 1.0: the dict of at most {@link #MAX_DIMS} dimensions
   * fits its 2-byte length.
   *
   * @throws IllegalArgumentException when the shape has more than {@link #MAX_DIMS} dimensions
   */
  static byte[] encode(DType dtype, boolean fortranOrder, long[] shape) {
    checkDims(shape);
    String dict =
        "{'descr': '"
            + dtype.descr()
            + "', 'fortran_order': "
            + (fortranOrder ? "True" : "False")
            + ", 'shape': "
            + shapeString(shape)
            + ", }";
    int preamble = 10;
    int total = padded(preamble + dict.length() + 1);
    ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) (total - preamble));
    out.put(dict.getBytes(StandardCharsets.ISO_8859_1));
    while (out.remaining() > 1) {
      out.put((byte) ' ');
    }
    out.put((byte) '\n');
    return out.array();
  }

  private static int padded(int length) {
    return (length + ALIGN - 1) / ALIGN * ALIGN;
  }
}
