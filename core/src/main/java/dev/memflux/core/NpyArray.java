package dev.memflux.core;

import dev.memflux.core.MappedChunks.Windowing;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A NumPy array memory-mapped from a .npy file (or a headerless {@code np.memmap} file), with
 * zero-copy row views and a bulk row {@link #gather gather} into caller buffers.
 *
 * <pre>{@code
 * try (NpyArray x = NpyArray.open(Path.of("train_x.npy"))) {   // np.load(..., mmap_mode='r')
 *   ByteBuffer batch = ByteBuffer.allocateDirect((int) (256 * x.rowBytes()));
 *   x.gather(rowIds, 0, 256, batch);                            // native byte order, C order
 *   double v = x.getDouble(0, 1, 2, 3);
 * }
 * }</pre>
 *
 * <p>Any size of file works: the data is mapped in windows of at most 2 GiB. Reads may run on any
 * number of threads at once. {@link #close()} releases the mapping as soon as no read is in
 * progress; afterwards every method except the metadata accessors throws {@link
 * IllegalStateException}. Buffers returned by {@link #row(long)} share the mapping and, as in
 * Lucene, must not be used after close: that would crash the JVM. A file that shrinks while mapped
 * makes accesses throw {@link NpyAccessException} instead of returning garbage.
 */
public final class NpyArray implements AutoCloseable {

  /** Sign bit of {@link #state}: set once the array is closed. The low bits count readers. */
  private static final int CLOSED = Integer.MIN_VALUE;

  /** Written so the allocation in {@link #drainPendingFault()} cannot be optimised away. */
  @SuppressWarnings("unused")
  private static volatile int faultDrain;

  private final Path path;
  private final DType dtype;
  private final long[] shape;
  private final boolean fortranOrder;
  private final String version;
  private final long count;
  private final long rows;
  private final long rowBytes;
  private final long rowElements;

  /** Bytes between neighbours along each axis; meaningful only for in-bounds indices. */
  private final long[] strides;

  /** Whether each row's bytes are contiguous and in C order: true unless a real Fortran layout. */
  private final boolean cLayout;

  private final boolean writable;
  private final MappedChunks data;

  /** Kept open to check the file's length after each access; see {@link #checkIntact()}. */
  private final RandomAccessFile lengthProbe;

  /** File offset just past the last mapped byte. */
  private final long mappedEnd;

  private final AtomicInteger state = new AtomicInteger();

  private NpyArray(
      Path path,
      DType dtype,
      long[] shape,
      boolean fortranOrder,
      String version,
      long rowBytes,
      MappedChunks data,
      RandomAccessFile lengthProbe,
      long mappedEnd,
      boolean writable) {
    this.path = path;
    this.dtype = dtype;
    this.shape = shape;
    this.fortranOrder = fortranOrder;
    this.version = version;
    this.rowBytes = rowBytes;
    this.data = data;
    this.lengthProbe = lengthProbe;
    this.mappedEnd = mappedEnd;
    this.writable = writable;
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    this.count = n;
    this.rows = shape.length == 0 ? 1 : shape[0];
    this.rowElements = rowBytes / dtype.itemSize();
    this.cLayout = !fortranOrder || rowElements <= 1;
    this.strides = new long[shape.length];
    long stride = dtype.itemSize();
    for (int i = 0; i < shape.length; i++) {
      int axis = fortranOrder ? i : shape.length - 1 - i;
      strides[axis] = stride;
      stride *= shape[axis];
    }
  }

  /**
   * Maps a .npy file read-only, like {@code np.load(path, mmap_mode='r')}.
   *
   * @throws NpyFormatException when the file is not a .npy array memflux reads, or its data is
   *     truncated; the message names the file, byte offset, what was expected and what was found
   * @throws IOException when the file cannot be read or mapped
   */
  public static NpyArray open(Path path) throws IOException {
    return open(path, Windowing.DEFAULT);
  }

  static NpyArray open(Path path, Windowing windowing) throws IOException {
    Objects.requireNonNull(path, "path");
    RandomAccessFile file = openFile(path, "r");
    try {
      FileChannel channel = file.getChannel();
      NpyHeader header = NpyHeader.read(channel, path);
      return map(path, file, header, channel.size(), "file", windowing);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  /**
   * Maps a stored member of an .npz archive read-only, in place: {@code np.load(path)[member]}
   * without reading it into memory (numpy itself cannot memory-map .npz members). {@code np.savez}
   * stores its members uncompressed, in ZIP or ZIP64 records; their data may start at any byte
   * offset, which memflux reads as fast as an aligned one. {@link #path()} is the archive.
   *
   * <pre>{@code
   * // np.savez("data.npz", x=features, y=targets)
   * try (NpyArray x = NpyArray.openNpz(Path.of("data.npz"), "x");
   *      NpyArray y = NpyArray.openNpz(Path.of("data.npz"), "y")) { ... }
   * }</pre>
   *
   * @param member numpy's key for the member ({@code "x"} for {@code x.npy}), or its file name in
   *     the archive; {@link #npzMembers} lists them
   * @throws IOException naming the archive and the member when there is no such member, or it is
   *     compressed ({@code np.savez_compressed}: {@code memflux convert npz IN OUT} stores it) or
   *     encrypted; when the file cannot be read or mapped
   * @throws NpyFormatException when the archive or the member's .npy header is damaged, or the
   *     member is shorter than its data; the message names the archive and the byte
   */
  public static NpyArray openNpz(Path path, String member) throws IOException {
    return openNpz(path, member, Windowing.DEFAULT);
  }

  static NpyArray openNpz(Path path, String member, Windowing windowing) throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(member, "member");
    RandomAccessFile file = openFile(path, "r");
    try {
      FileChannel channel = file.getChannel();
      Npz.Region region = Npz.locate(channel, path, member);
      NpyHeader header = NpyHeader.read(channel, path, region.start(), region.end(), "member");
      return map(
          path, file, header, region.end(), "member '" + region.entryName() + "'", windowing);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  /**
   * The members of the .npz archive at {@code path}, in the archive's order, like {@code
   * np.load(path).files} and, per member, how it is held: only {@link NpzMember#stored() stored}
   * members can be opened with {@link #openNpz}.
   *
   * @throws NpyFormatException when the file is not a ZIP archive or its directory is damaged
   * @throws IOException when the file cannot be read
   */
  public static List<NpzMember> npzMembers(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    try (FileChannel channel = FileChannel.open(path)) {
      return Npz.members(channel, path);
    }
  }

  /**
   * Maps the data {@code header} describes, which must end by byte {@code end} of the {@code
   * container} (the file, or an .npz member); takes ownership of {@code file}.
   */
  private static NpyArray map(
      Path path,
      RandomAccessFile file,
      NpyHeader header,
      long end,
      String container,
      Windowing windowing)
      throws IOException {
    long[] shape = header.shape();
    int itemSize = header.dtype().itemSize();
    long dataBytes = NpyHeader.byteSize(shape, 0, itemSize);
    if (end - header.dataOffset() < dataBytes) {
      throw new NpyFormatException(
          path,
          end,
          dataBytes
              + " data bytes for shape "
              + NpyHeader.shapeString(shape)
              + " of "
              + header.dtype()
              + " ending at byte "
              + (header.dataOffset() + dataBytes),
          "end of " + container + " (truncated data)");
    }
    long rowBytes = NpyHeader.byteSize(shape, Math.min(1, shape.length), itemSize);
    boolean cLayout = !header.fortranOrder() || rowBytes <= itemSize;
    MappedChunks data =
        MappedChunks.map(
            file.getChannel(),
            path,
            header.dataOffset(),
            dataBytes,
            cLayout ? rowBytes : 0,
            header.dtype(),
            false,
            windowing);
    return new NpyArray(
        path,
        header.dtype(),
        shape,
        header.fortranOrder(),
        header.version(),
        rowBytes,
        data,
        file,
        header.dataOffset() + dataBytes,
        false);
  }

  /**
   * Opens {@code path} for reading or, in mode "rw", also writing and creating. RandomAccessFile
   * folds every failure into FileNotFoundException, so recover NIO's precise one (no such file,
   * access denied) for callers to act on.
   */
  private static RandomAccessFile openFile(Path path, String mode) throws IOException {
    try {
      return new RandomAccessFile(path.toFile(), mode);
    } catch (FileNotFoundException e) {
      Path checked = mode.equals("r") ? path : path.toAbsolutePath().getParent();
      if (checked != null) {
        checked.getFileSystem().provider().checkAccess(checked, AccessMode.READ);
      }
      throw e;
    }
  }

  private static void closeQuietly(RandomAccessFile file, Throwable failure) {
    try {
      file.close();
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }

  /**
   * Maps a headerless C-ordered file read-only, like {@code np.memmap(path, dtype, 'r', offset,
   * shape)}. {@link #version()} is {@code "raw"}.
   *
   * @param offset byte offset of the first element
   * @throws IllegalArgumentException naming the value when the shape has a negative dimension, its
   *     byte size overflows, or the offset is negative
   * @throws IOException when the file is shorter than {@code offset} plus the data, or unreadable
   */
  public static NpyArray openRaw(Path path, DType dtype, long[] shape, long offset)
      throws IOException {
    return openRaw(path, dtype, shape, offset, Windowing.DEFAULT);
  }

  static NpyArray openRaw(Path path, DType dtype, long[] shape, long offset, Windowing windowing)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(dtype, "dtype");
    long[] dims = checkShape(shape, dtype);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset + " for " + path);
    }
    long dataBytes = NpyHeader.byteSize(dims, 0, dtype.itemSize());
    RandomAccessFile file = openFile(path, "r");
    try {
      FileChannel channel = file.getChannel();
      long size = channel.size();
      if (size < offset || size - offset < dataBytes) {
        throw new IOException(
            path
                + ": a raw "
                + dtype
                + " array of shape "
                + NpyHeader.shapeString(dims)
                + " at offset "
                + offset
                + " needs "
                + dataBytes
                + " bytes after the offset, but the file has "
                + size
                + " bytes");
      }
      long rowBytes = NpyHeader.byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
      MappedChunks data =
          MappedChunks.map(channel, path, offset, dataBytes, rowBytes, dtype, false, windowing);
      return new NpyArray(
          path, dtype, dims, false, "raw", rowBytes, data, file, offset + dataBytes, false);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  /**
   * Creates (or replaces) a zero-filled, writable, C-ordered .npy file and maps it, like {@code
   * np.lib.format.open_memmap(path, mode='w+', dtype=dtype, shape=shape)}. The file is sparse until
   * written; call {@link #force()} to make writes durable.
   *
   * @throws IllegalArgumentException when the shape has a negative dimension or its byte size
   *     overflows
   */
  public static NpyArray create(Path path, DType dtype, long[] shape) throws IOException {
    return create(path, dtype, shape, Windowing.DEFAULT);
  }

  static NpyArray create(Path path, DType dtype, long[] shape, Windowing windowing)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(dtype, "dtype");
    long[] dims = checkShape(shape, dtype);
    byte[] header = NpyHeader.encode(dtype, false, dims);
    long dataBytes = NpyHeader.byteSize(dims, 0, dtype.itemSize());
    if (dataBytes > Long.MAX_VALUE - header.length) {
      throw new IllegalArgumentException(
          "shape " + NpyHeader.shapeString(dims) + " of " + dtype + " is too large for a file");
    }
    long rowBytes = NpyHeader.byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
    RandomAccessFile file = openFile(path, "rw");
    try {
      file.setLength(0); // replace any old content, like numpy's 'w+'
      file.write(header);
      file.setLength(header.length + dataBytes); // sparse: the data is not written
      MappedChunks data =
          MappedChunks.map(
              file.getChannel(), path, header.length, dataBytes, rowBytes, dtype, true, windowing);
      return new NpyArray(
          path,
          dtype,
          dims,
          false,
          version(header),
          rowBytes,
          data,
          file,
          header.length + dataBytes,
          true);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      // A half-made file would later read as a valid, zero-filled array: remove it.
      try {
        Files.deleteIfExists(path);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static String version(byte[] header) {
    return header[6] + "." + header[7];
  }

  private static long[] checkShape(long[] shape, DType dtype) {
    Objects.requireNonNull(shape, "shape");
    long[] dims = shape.clone();
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + " has a negative dimension");
      }
    }
    try {
      NpyHeader.byteSize(dims, 0, dtype.itemSize());
      NpyHeader.byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(dims) + " of " + dtype + " overflows a 64-bit byte size");
    }
    return dims;
  }

  /** The mapped file. */
  public Path path() {
    return path;
  }

  /** The element type, in the file's byte order. */
  public DType dtype() {
    return dtype;
  }

  /** A copy of the dimensions; empty for a 0-d array. */
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int ndim() {
    return shape.length;
  }

  /** Whether the file stores elements in Fortran (column-major) order. */
  public boolean fortranOrder() {
    return fortranOrder;
  }

  /** The .npy format version, {@code "1.0"}, {@code "2.0"} or {@code "3.0"}; {@code "raw"}. */
  public String version() {
    return version;
  }

  /** Number of elements: the product of the shape (1 for a 0-d array). */
  public long count() {
    return count;
  }

  /** Length of the first axis; a 0-d array has one row, its single element. */
  public long rows() {
    return rows;
  }

  /** Bytes in one row: the product of {@link #rowShape()} times the item size. */
  public long rowBytes() {
    return rowBytes;
  }

  /** The shape of one row: the shape without its first axis. */
  public long[] rowShape() {
    return shape.length == 0 ? new long[0] : Arrays.copyOfRange(shape, 1, shape.length);
  }

  /** Whether the array is still open. */
  public boolean isOpen() {
    return state.get() >= 0;
  }

  /**
   * The element at {@code index} as a double: exact for every integer up to 2^53 in magnitude (u8
   * read as unsigned); bool gives 0 or 1, float16 is widened exactly.
   *
   * @param index one non-negative index per axis; none for a 0-d array
   * @throws IllegalArgumentException naming the index and shape when it is out of bounds
   * @throws IllegalStateException when the array is closed
   * @throws NpyAccessException when the mapped file was truncated under us
   */
  public double getDouble(long... index) {
    long pos = offsetOf(index);
    enter();
    try {
      try {
        double value = readDouble(pos);
        checkIntact();
        return value;
      } finally {
        leave();
      }
    } catch (InternalError e) {
      throw accessFailure(e);
    }
  }

  /**
   * The element at {@code index} as a long. u8 values are returned as their 64 bits (read them with
   * {@link Long#toUnsignedString(long)}); floating values are truncated toward zero like Python's
   * {@code int()}.
   *
   * @throws ArithmeticException when a floating value is NaN, infinite or outside the long range
   * @throws IllegalArgumentException naming the index and shape when it is out of bounds
   * @throws IllegalStateException when the array is closed
   */
  public long getLong(long... index) {
    long pos = offsetOf(index);
    enter();
    try {
      try {
        if (dtype.kind() != DType.Kind.FLOAT) {
          long bits = readBits(pos);
          checkIntact();
          return bits;
        }
        double v = readDouble(pos);
        checkIntact();
        if (!(v >= -0x1p63 && v < 0x1p63)) {
          throw new ArithmeticException(
              v + " at " + Arrays.toString(index) + " of " + path + " does not fit in a long");
        }
        return (long) v;
      } finally {
        leave();
      }
    } catch (InternalError e) {
      throw accessFailure(e);
    }
  }

  /**
   * Stores {@code value} at {@code index}, converted as numpy's assignment would: integers
   * truncated toward zero and range-checked, bool as {@code value != 0}, float16 rounded to
   * nearest.
   *
   * @throws IllegalStateException when the array is read-only or closed
   * @throws IllegalArgumentException when the index is out of bounds or the value does not fit
   */
  public void setDouble(double value, long... index) {
    checkWritable();
    write(offsetOf(index), ElementBits.ofDouble(dtype, value));
  }

  /**
   * Stores {@code value} at {@code index}: range-checked for integer types (for u8 the long's 64
   * bits are stored as unsigned, mirroring {@link #getLong}), bool as {@code value != 0}, floats
   * rounded to nearest.
   *
   * @throws IllegalStateException when the array is read-only or closed
   * @throws IllegalArgumentException when the index is out of bounds or the value does not fit
   */
  public void setLong(long value, long... index) {
    checkWritable();
    write(offsetOf(index), ElementBits.ofLong(dtype, value));
  }

  /**
   * Detects a file that shrank under the mapping. HotSpot reports the fault of reading a page past
   * the new end as an InternalError, but in compiled code only asynchronously, at the thread's next
   * runtime call, which may be far into the caller's code, while the read itself returns garbage.
   * So every access checks the file's length (one fstat, uninterruptible, unlike a FileChannel's)
   * after reading; on the rare failure it drains the pending error where it can be caught.
   */
  private void checkIntact() {
    long size;
    try {
      size = lengthProbe.length();
    } catch (IOException e) {
      throw new NpyAccessException(path, "cannot read its length", e);
    }
    if (size < mappedEnd) {
      throw new NpyAccessException(
          path, "it has " + size + " bytes, the mapping needs " + mappedEnd, drainPendingFault());
    }
  }

  /**
   * Forces HotSpot to deliver a pending asynchronous fault now: an allocation too large for the
   * thread-local buffer is a runtime call, and leaving one checks for such errors.
   */
  private static InternalError drainPendingFault() {
    try {
      faultDrain = new byte[1 << 22].length;
    } catch (InternalError e) {
      return e;
    }
    return null;
  }

  private NpyAccessException accessFailure(InternalError e) {
    return new NpyAccessException(path, e.getMessage(), e);
  }

  private void checkWritable() {
    if (!writable) {
      throw new IllegalStateException(path + " is mapped read-only");
    }
  }

  /** Stores the low bytes of {@code bits} as one element (see {@link ElementBits}). */
  private void write(long pos, long bits) {
    enter();
    try {
      try {
        switch (dtype.itemSize()) {
          case 1 -> data.putByte(pos, (byte) bits);
          case 2 -> data.putShort(pos, (short) bits);
          case 4 -> data.putInt(pos, (int) bits);
          default -> data.putLong(pos, bits);
        }
        checkIntact();
      } finally {
        leave();
      }
    } catch (InternalError e) {
      throw accessFailure(e);
    }
  }

  private double readDouble(long pos) {
    return switch (dtype.kind()) {
      case BOOL -> data.getByte(pos) != 0 ? 1 : 0;
      case INT -> readBits(pos);
      case UINT -> {
        long v = readBits(pos);
        // Unsigned 64-bit to double, rounded once: halve (keeping the sticky bit), convert, double.
        yield v >= 0 ? v : ((double) ((v >>> 1) | (v & 1))) * 2.0;
      }
      case FLOAT ->
          switch (dtype.itemSize()) {
            case 2 -> Half.toFloat(data.getShort(pos));
            case 4 -> data.getFloat(pos);
            default -> data.getDouble(pos);
          };
    };
  }

  /** An integer or bool element, sign- or zero-extended by its kind. */
  private long readBits(long pos) {
    boolean signed = dtype.kind() == DType.Kind.INT;
    return switch (dtype.itemSize()) {
      case 1 -> {
        byte b = data.getByte(pos);
        yield dtype.kind() == DType.Kind.BOOL ? (b != 0 ? 1 : 0) : signed ? b : b & 0xffL;
      }
      case 2 -> signed ? data.getShort(pos) : data.getShort(pos) & 0xffffL;
      case 4 -> signed ? data.getInt(pos) : data.getInt(pos) & 0xffffffffL;
      default -> data.getLong(pos);
    };
  }

  private long offsetOf(long[] index) {
    Objects.requireNonNull(index, "index");
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "index "
              + Arrays.toString(index)
              + " has "
              + index.length
              + " axes but shape "
              + NpyHeader.shapeString(shape)
              + " has "
              + shape.length);
    }
    long pos = 0;
    for (int axis = 0; axis < index.length; axis++) {
      if (index[axis] < 0 || index[axis] >= shape[axis]) {
        throw new IllegalArgumentException(
            "index "
                + Arrays.toString(index)
                + " is out of bounds for shape "
                + NpyHeader.shapeString(shape)
                + " on axis "
                + axis
                + " (negative indices are not supported)");
      }
      pos += index[axis] * strides[axis];
    }
    return pos;
  }

  /**
   * A zero-copy, read-only view of row {@code i} in the file's byte order ({@code order()} is set
   * to the dtype's). The view shares the mapping: it must not be used after {@link #close()}.
   *
   * @throws UnsupportedOperationException when rows are not contiguous (Fortran order) or a row is
   *     too large for one mapping window; use {@link #gather} then
   * @throws IllegalArgumentException when {@code i} is not in {@code [0, rows())}
   */
  public ByteBuffer row(long i) {
    if (!cLayout) {
      throw new UnsupportedOperationException(
          "row views need C order, but " + path + " is in Fortran order; use gather");
    }
    checkRow(i);
    enter();
    try {
      ByteBuffer view =
          rowBytes <= Integer.MAX_VALUE ? data.slice(i * rowBytes, (int) rowBytes) : null;
      if (view == null) {
        throw new UnsupportedOperationException(
            "row "
                + i
                + " of "
                + path
                + " ("
                + rowBytes
                + " bytes) spans mapping windows; use gather");
      }
      return view.asReadOnlyBuffer().order(dtype.order());
    } finally {
      leave();
    }
  }

  private void checkRow(long i) {
    if (i < 0 || i >= rows) {
      throw new IllegalArgumentException(
          "row id " + i + " is out of range [0, " + rows + ") of " + path);
    }
  }

  /**
   * Copies rows {@code rowIds[from..from+count)}, in that order, into {@code dst} from its
   * position, which advances by {@code count * rowBytes()}. The bytes are in native byte order and
   * C order whatever the file's. Runs of consecutive row ids are copied in one bulk copy. Safe to
   * call from several threads at once; allocates nothing per row.
   *
   * @throws IllegalArgumentException naming the value when {@code from}/{@code count} are out of
   *     range, a row id is not in {@code [0, rows())}, or {@code dst} has too little room
   * @throws IllegalStateException when the array is closed
   * @throws NpyAccessException when the mapped file was truncated under us
   */
  public void gather(long[] rowIds, int from, int count, ByteBuffer dst) {
    Objects.requireNonNull(rowIds, "rowIds");
    Objects.requireNonNull(dst, "dst");
    if (from < 0 || count < 0 || from > rowIds.length - count) {
      throw new IllegalArgumentException(
          "from " + from + " and count " + count + " do not fit " + rowIds.length + " row ids");
    }
    if (dst.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    if (rowBytes != 0 && count > dst.remaining() / rowBytes) {
      throw new IllegalArgumentException(
          "dst has "
              + dst.remaining()
              + " bytes remaining but "
              + count
              + " rows of "
              + rowBytes
              + " bytes do not fit");
    }
    for (int i = from; i < from + count; i++) {
      checkRow(rowIds[i]);
    }
    int base = dst.position();
    ByteBuffer out =
        dst.order() == ByteOrder.nativeOrder()
            ? dst
            : dst.duplicate().order(ByteOrder.nativeOrder());
    enter();
    try {
      try {
        if (cLayout) {
          copyRuns(rowIds, from, count, out, base);
        } else {
          copyStrided(rowIds, from, count, out, base);
        }
        checkIntact();
      } finally {
        leave();
      }
    } catch (InternalError e) {
      throw accessFailure(e);
    }
    dst.position(base + (int) (count * rowBytes));
  }

  private void copyRuns(long[] rowIds, int from, int count, ByteBuffer out, int at) {
    int end = from + count;
    int i = from;
    while (i < end) {
      int j = i + 1;
      while (j < end && rowIds[j] == rowIds[j - 1] + 1) {
        j++;
      }
      int length = (int) ((j - i) * rowBytes);
      data.copy(rowIds[i] * rowBytes, out, at, length);
      at += length;
      i = j;
    }
  }

  /** Fortran order: walks each row's elements in C order (last axis fastest) by their strides. */
  private void copyStrided(long[] rowIds, int from, int count, ByteBuffer out, int at) {
    int itemSize = dtype.itemSize();
    int last = shape.length - 1;
    long[] counter = new long[shape.length];
    for (int r = from; r < from + count; r++) {
      Arrays.fill(counter, 0);
      long pos = rowIds[r] * strides[0];
      for (long e = 0; e < rowElements; e++) {
        data.copyElement(pos, out, at);
        at += itemSize;
        for (int axis = last; axis > 0; axis--) {
          if (++counter[axis] < shape[axis]) {
            pos += strides[axis];
            break;
          }
          pos -= (shape[axis] - 1) * strides[axis];
          counter[axis] = 0;
        }
      }
    }
  }

  /** Writes a writable mapping's changes to the file; nothing to do when read-only. */
  public void force() {
    enter();
    try {
      data.force();
    } finally {
      leave();
    }
  }

  /**
   * Closes the array. Idempotent. The mapping is released at once, or, when reads are in progress
   * on other threads, as soon as the last of them finishes; new reads fail from now on.
   */
  @Override
  public void close() {
    int s;
    do {
      s = state.get();
      if (s < 0) {
        return;
      }
    } while (!state.compareAndSet(s, s | CLOSED));
    if (s == 0) {
      release();
    }
  }

  private void enter() {
    int s;
    do {
      s = state.get();
      if (s < 0) {
        throw new IllegalStateException(path + " is closed");
      }
    } while (!state.compareAndSet(s, s + 1));
  }

  private void leave() {
    // Only the last reader out after close sees exactly CLOSED, so the unmap happens once.
    if (state.decrementAndGet() == CLOSED) {
      release();
    }
  }

  private void release() {
    data.unmap();
    try {
      lengthProbe.close();
    } catch (IOException e) {
      // Only a read-only descriptor or one whose data is in the mapping: nothing is lost.
    }
  }

  /**
   * True when the file is now shorter than this array's data: it was truncated while mapped. Used
   * to name the culprit of a mapped-read fault that surfaced outside this class.
   */
  boolean isTruncated() {
    try {
      return Files.size(path) < mappedEnd;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * numpy's repr of a shape, as memflux's messages print shapes: {@code ()}, {@code (3,)}, {@code
   * (3, 4)}.
   */
  public static String shapeString(long... shape) {
    return NpyHeader.shapeString(shape);
  }

  @Override
  public String toString() {
    return "NpyArray["
        + path
        + ", "
        + dtype
        + ", "
        + NpyHeader.shapeString(shape)
        + ", "
        + (fortranOrder ? "F" : "C")
        + ", "
        + version
        + (isOpen() ? "" : ", closed")
        + "]";
  }
}
