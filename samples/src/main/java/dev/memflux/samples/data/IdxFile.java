package dev.memflux.samples.data;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.jspecify.annotations.Nullable;

/**
 * A file in the IDX format of MNIST and Fashion-MNIST, read as a stream: a 4-byte magic ({@code
 * 0x00 0x00}, a type code, the number of dimensions), the dimensions as big-endian 32-bit integers,
 * then the elements in C order, big-endian. Gzip-compressed files are recognised by the gzip magic
 * bytes, not by the file name.
 *
 * <pre>{@code
 * try (IdxFile idx = IdxFile.open(Path.of("train-images-idx3-ubyte.gz"))) {
 *   idx.type();    // Type.U1
 *   idx.shape();   // [60000, 28, 28]
 *   idx.read(chunk, 784);   // the first image's bytes
 * }
 * }</pre>
 *
 * <p>The elements are read once, in order; the file is closed by {@link #close()}, also after an
 * error. What they become in a .npy file is {@link IdxConverter}'s business.
 */
final class IdxFile implements AutoCloseable {

  /** The IDX element types, with their type codes and the native-order dtype they map to. */
  enum Type {
    /** Unsigned byte, type code 0x08. */
    U1(0x08, DType.UINT8),
    /** Signed byte, type code 0x09. */
    I1(0x09, DType.INT8),
    /** Big-endian 16-bit integer, type code 0x0B. */
    I2(0x0B, DType.INT16),
    /** Big-endian 32-bit integer, type code 0x0C. */
    I4(0x0C, DType.INT32),
    /** Big-endian float32, type code 0x0D. */
    F4(0x0D, DType.FLOAT32),
    /** Big-endian float64, type code 0x0E. */
    F8(0x0E, DType.FLOAT64);

    private final int code;
    private final DType dtype;

    Type(int code, DType dtype) {
      this.code = code;
      this.dtype = dtype;
    }

    /** The type code in the third magic byte. */
    int code() {
      return code;
    }

    /** Bytes per element. */
    int size() {
      return dtype.itemSize();
    }

    /** The numpy dtype holding these values unchanged, in native byte order. */
    DType dtype() {
      return dtype;
    }

    static @Nullable Type ofCode(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  /**
   * A file that is not valid IDX. The message names the file, the byte offset (in the decompressed
   * stream for a gzip file), what was expected and what was found.
   */
  static final class FormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    FormatException(Path file, long offset, boolean gzip, String expected, String found) {
      super(
          file
              + ": at byte "
              + offset
              + (gzip ? " of the decompressed data" : "")
              + ": expected "
              + expected
              + ", found "
              + found);
      this.file = file;
      this.offset = offset;
    }

    /** The file that failed to parse. */
    Path file() {
      return file;
    }

    /** Byte offset of the problem, counted in the decompressed data for a gzip file. */
    long offset() {
      return offset;
    }
  }

  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;
  private static final int BUFFER_BYTES = 1 << 16;

  private final Path path;
  private final InputStream in;
  private final boolean gzip;
  private final Type type;
  private final long[] shape;
  private final long count;

  /** Bytes consumed from the (decompressed) stream: the offset reported in errors. */
  private long position;

  private long elementsRead;

  private IdxFile(Path path, InputStream in, boolean gzip) throws IOException {
    this.path = path;
    this.in = in;
    this.gzip = gzip;
    byte[] magic = readHeader(4, "the 4-byte IDX magic");
    if (magic[0] != 0 || magic[1] != 0) {
      throw new FormatException(
          path,
          0,
          gzip,
          "IDX magic 0x0000 followed by a type code and a dimension count",
          String.format("0x%02X%02X%02X%02X", magic[0], magic[1], magic[2], magic[3]));
    }
    Type code = Type.ofCode(magic[2] & 0xff);
    if (code == null) {
      throw new FormatException(
          path,
          2,
          gzip,
          "an IDX type code 0x08 (u1), 0x09 (i1), 0x0B (i2), 0x0C (i4), 0x0D (f4) or 0x0E (f8)",
          String.format("0x%02X", magic[2] & 0xff));
    }
    type = code;
    int ndim = magic[3] & 0xff;
    if (ndim == 0) {
      throw new FormatException(path, 3, gzip, "at least one dimension", "0");
    }
    ByteBuffer dims = ByteBuffer.wrap(readHeader(4 * ndim, ndim + " big-endian dimensions"));
    shape = new long[ndim];
    long n = 1;
    for (int i = 0; i < ndim; i++) {
      shape[i] = Integer.toUnsignedLong(dims.getInt());
      // Checked before multiplying: a product past Long.MAX_VALUE would wrap and pass.
      boolean tooLarge = shape[i] != 0 && n > Long.MAX_VALUE / 8 / shape[i];
      n *= shape[i];
      if (tooLarge) {
        throw new FormatException(
            path,
            4 + 4L * i,
            gzip,
            "dimensions whose product fits a file",
            "shape " + NpyArray.shapeString(Arrays.copyOf(shape, i + 1)));
      }
    }
    count = n;
  }

  /**
   * Opens an IDX file, plain or gzip-compressed, and reads its header.
   *
   * @throws FormatException when the magic, type code or dimensions are invalid, or (for a plain
   *     file) the data is shorter or longer than the header says
   * @throws IOException when the file cannot be read or is not a regular file (a FIFO would block
   *     the open until something writes to it)
   */
  static IdxFile open(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    InputStream stream = Files.newInputStream(InputFiles.requireRegular(path));
    try {
      BufferedInputStream buffered = new BufferedInputStream(stream, BUFFER_BYTES);
      stream = buffered;
      buffered.mark(2);
      boolean gzip = buffered.read() == GZIP_MAGIC_0 && buffered.read() == GZIP_MAGIC_1;
      buffered.reset();
      if (gzip) {
        stream = new BufferedInputStream(gunzip(path, buffered), BUFFER_BYTES);
        IdxFile idx = new IdxFile(path, stream, true);
        if (idx.count == 0) {
          idx.checkEnd(); // no element will be read, which is when the end is checked otherwise
        }
        return idx;
      }
      IdxFile idx = new IdxFile(path, stream, false);
      idx.checkPlainSize(Files.size(path));
      return idx;
    } catch (IOException | RuntimeException | Error e) {
      // Closing the outermost stream also ends the gzip inflater and the file.
      try {
        stream.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static InputStream gunzip(Path path, InputStream in) throws IOException {
    try {
      return new GZIPInputStream(in, BUFFER_BYTES);
    } catch (EOFException | ZipException e) {
      throw new FormatException(
          path, 0, false, "a gzip header", "a damaged one: " + e.getMessage());
    }
  }

  /**
   * A plain file's size is known up front, so truncation, or bytes after the data, are reported
   * before any work is done.
   */
  private void checkPlainSize(long size) throws FormatException {
    long end = position + count * type.size();
    if (size < end) {
      throw new FormatException(
          path, size, false, dataDescription() + " ending at byte " + end, "end of file");
    }
    if (size > end) {
      throw trailingBytes(end, size - end);
    }
  }

  /**
   * After the last element the stream must end: bytes after it mean the header and the data
   * disagree, and converting the rest silently would hide a damaged or mislabelled file. A gzip
   * stream's length is known only once it is read, so the rest is read to say how much there is.
   */
  private void checkEnd() throws IOException {
    if (in.read() < 0) {
      return;
    }
    long extra;
    try {
      extra = 1 + in.transferTo(OutputStream.nullOutputStream());
    } catch (EOFException | ZipException e) {
      extra = 1; // damaged after the data: the data itself was whole, but there is more
    }
    throw trailingBytes(position, extra);
  }

  private FormatException trailingBytes(long end, long extra) {
    return new FormatException(
        path,
        end,
        gzip,
        "the end of the file after " + dataDescription() + " (" + end + " bytes in all)",
        extra + " more byte" + (extra == 1 ? "" : "s") + " (" + (end + extra) + " in all)");
  }

  /** The path this file was opened from. */
  Path path() {
    return path;
  }

  /** The element type. */
  Type type() {
    return type;
  }

  /** A copy of the dimensions. */
  long[] shape() {
    return shape.clone();
  }

  /** Number of elements: the product of the shape. */
  long count() {
    return count;
  }

  /** Elements not read yet. */
  long remaining() {
    return count - elementsRead;
  }

  /**
   * Reads the next {@code elements} elements into {@code dst}, as the file stores them: big-endian,
   * {@link Type#size()} bytes each, from {@code dst[0]} on.
   *
   * @throws IllegalArgumentException when {@code dst} cannot hold them
   * @throws IllegalStateException when fewer than {@code elements} are left
   * @throws FormatException when the data is truncated, the gzip stream is damaged, or bytes follow
   *     the last element
   */
  void read(byte[] dst, int elements) throws IOException {
    if (elements < 0 || (long) elements * type.size() > dst.length) {
      throw new IllegalArgumentException(
          elements + " elements of " + type.size() + " bytes do not fit " + dst.length + " bytes");
    }
    if (elements > remaining()) {
      throw new IllegalStateException(
          path + ": " + elements + " elements asked for, " + remaining() + " left unread");
    }
    readFully(
        dst,
        elements * type.size(),
        dataDescription() + " after a " + (4 + 4 * shape.length) + "-byte header");
    elementsRead += elements;
    if (elementsRead == count) {
      checkEnd();
    }
  }

  private byte[] readHeader(int length, String expected) throws IOException {
    byte[] b = new byte[length];
    readFully(b, length, expected);
    return b;
  }

  private void readFully(byte[] b, int length, String expected) throws IOException {
    int done = 0;
    try {
      while (done < length) {
        int n = in.read(b, done, length - done);
        if (n < 0) {
          throw new FormatException(path, position + done, gzip, expected, "end of file");
        }
        done += n;
      }
    } catch (EOFException | ZipException e) {
      // GZIPInputStream reports a cut-off or corrupt stream this way.
      throw new FormatException(
          path, position + done, gzip, expected, "damaged gzip data (" + e.getMessage() + ")");
    }
    position += done;
  }

  private String dataDescription() {
    return count * type.size()
        + " data bytes for shape "
        + NpyArray.shapeString(shape)
        + " of "
        + type;
  }

  /** Closes the underlying file. Idempotent. */
  @Override
  public void close() throws IOException {
    in.close();
  }

  @Override
  public String toString() {
    return "IdxFile[" + path + ", " + type + ", " + NpyArray.shapeString(shape) + "]";
  }
}
