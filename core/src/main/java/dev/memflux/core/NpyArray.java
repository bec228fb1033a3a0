package dev.memflux.core;

import dev.memflux.core.MappedChunks.Windowing;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * IllegalStateException}. A file that shrinks while mapped makes accesses throw {@link
 * NpyAccessException} instead of returning garbage. A {@link Loader} may read a large array's rows
 * with positional reads instead of through the mapping (see {@link IoMode}); the array is the same.
 *
 * <p>This class is the facade: {@link NpyOpener} opens and validates, {@link AccessGuard} guards
 * against use after close, {@link MappedReader} reads the mapping, {@link ElementDecoder} and
 * {@link ElementWriter} convert single elements, and {@link RowGather} gathers rows.
 */
public final class NpyArray implements AutoCloseable {

  private final Path path;
  private final Object fileKey;
  private final DType dtype;
  private final long[] shape;
  private final boolean fortranOrder;
  private final String version;
  private final long count;
  private final long rows;
  private final long rowBytes;
  private final long dataOffset;

  /** Bytes between neighbours along each axis; meaningful only for in-bounds indices. */
  private final long[] strides;

  /** Where each row is: set for C order, where rows are contiguous; null for a Fortran layout. */
  private final RowLayout layout;

  private final RandomAccessFile file;
  private final MappedReader mapped;
  private final RowReader[] readers;
  private final ElementDecoder decoder;

  /** Null when read-only. */
  private final ElementWriter writer;

  private final AccessGuard guard;

  /** Takes ownership of {@code file} and {@code data}; {@link NpyOpener} builds arrays. */
  NpyArray(
      Path path,
      Object fileKey,
      DType dtype,
      long[] shape,
      boolean fortranOrder,
      String version,
      long dataOffset,
      RandomAccessFile file,
      MappedChunks data,
      boolean writable) {
    this.path = path;
    this.fileKey = fileKey;
    this.dtype = dtype;
    this.shape = shape;
    this.fortranOrder = fortranOrder;
    this.version = version;
    this.dataOffset = dataOffset;
    this.file = file;
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    this.count = n;
    this.rows = shape.length == 0 ? 1 : shape[0];
    this.rowBytes = NpyHeader.byteSize(shape, Math.min(1, shape.length), dtype.itemSize());
    this.strides = new long[shape.length];
    long stride = dtype.itemSize();
    for (int i = 0; i < shape.length; i++) {
      int axis = fortranOrder ? i : shape.length - 1 - i;
      strides[axis] = stride;
      stride *= shape[axis];
    }
    boolean cLayout = !fortranOrder || rowBytes <= dtype.itemSize();
    this.layout = cLayout ? new ContiguousRows(dataOffset, rowBytes, rows) : null;
    this.mapped =
        new MappedReader(
            path,
            data,
            dataOffset,
            dataOffset + NpyHeader.byteSize(shape, 0, dtype.itemSize()),
            file);
    this.readers = new RowReader[] {mapped};
    this.decoder = new ElementDecoder(dtype, mapped);
    this.writer = writable ? new ElementWriter(path, dtype, file) : null;
    this.guard = new AccessGuard(path, this::release);
  }

  /**
   * Maps a .npy file read-only, like {@code np.load(path, mmap_mode='r')}.
   *
   * @throws NpyFormatException when the file is not a .npy array memflux reads, or its data is
   *     truncated; the message names the file, byte offset, what was expected and what was found
   * @throws IOException when the file cannot be read or mapped, or is not a regular file (a FIFO, a
   *     directory, a device)
   */
  public static NpyArray open(Path path) throws IOException {
    return NpyOpener.open(path, Windowing.DEFAULT);
  }

  static NpyArray open(Path path, Windowing windowing) throws IOException {
    return NpyOpener.open(path, windowing);
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
   *     encrypted; when the file cannot be read or mapped, or is not a regular file
   * @throws NpyFormatException when the archive or the member's .npy header is damaged, or the
   *     member is shorter than its data; the message names the archive and the byte
   */
  public static NpyArray openNpz(Path path, String member) throws IOException {
    return NpyOpener.openNpz(path, member, Windowing.DEFAULT);
  }

  /**
   * The members of the .npz archive at {@code path}, in the archive's order, like {@code
   * np.load(path).files} and, per member, how it is held: only {@link NpzMember#stored() stored}
   * members can be opened with {@link #openNpz}.
   *
   * @throws NpyFormatException when the file is not a ZIP archive or its directory is damaged
   * @throws IOException when the file cannot be read, or is not a regular file
   */
  public static List<NpzMember> npzMembers(Path path) throws IOException {
    return NpyOpener.npzMembers(path);
  }

  /**
   * Maps a headerless C-ordered file read-only, like {@code np.memmap(path, dtype, 'r', offset,
   * shape)}. {@link #version()} is {@code "raw"}.
   *
   * @param offset byte offset of the first element
   * @throws IllegalArgumentException naming the value when the shape has a negative dimension, its
   *     byte size overflows, or the offset is negative
   * @throws IOException when the file is shorter than {@code offset} plus the data, unreadable, or
   *     not a regular file
   */
  public static NpyArray openRaw(Path path, DType dtype, long[] shape, long offset)
      throws IOException {
    return NpyOpener.openRaw(path, dtype, shape, offset, Windowing.DEFAULT);
  }

  static NpyArray openRaw(Path path, DType dtype, long[] shape, long offset, Windowing windowing)
      throws IOException {
    return NpyOpener.openRaw(path, dtype, shape, offset, windowing);
  }

  /**
   * Creates a zero-filled, writable, C-ordered .npy file, like {@code
   * np.lib.format.open_memmap(path, mode='w+', dtype=dtype, shape=shape)}, replacing any file at
   * {@code path} atomically: the new file is made whole beside it and renamed over it, so a reader
   * that has the old file open keeps reading the old bytes, and a failure leaves the old file as it
   * was. (A symbolic link at {@code path} stays; the file it points to is replaced.) The data is
   * sparse until written; the setters write through to the file, and {@link #force()} makes their
   * writes durable.
   *
   * @throws IllegalArgumentException when the shape has a negative dimension or its byte size
   *     overflows
   * @throws IOException when the file cannot be made, or {@code path} is not a regular file
   */
  public static NpyArray create(Path path, DType dtype, long[] shape) throws IOException {
    return NpyOpener.create(path, dtype, shape, Windowing.DEFAULT);
  }

  static NpyArray create(Path path, DType dtype, long[] shape, Windowing windowing)
      throws IOException {
    return NpyOpener.create(path, dtype, shape, windowing);
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
    return guard.isOpen();
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
    guard.enter();
    try {
      try {
        double value = decoder.readDouble(pos);
        mapped.verify();
        return value;
      } finally {
        guard.leave();
      }
    } catch (InternalError e) {
      throw mapped.accessFailure(e);
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
    double v;
    guard.enter();
    try {
      try {
        if (dtype.kind() != DType.Kind.FLOAT) {
          long bits = decoder.readBits(pos);
          mapped.verify();
          return bits;
        }
        v = decoder.readDouble(pos);
        mapped.verify();
      } finally {
        guard.leave();
      }
    } catch (InternalError e) {
      throw mapped.accessFailure(e);
    }
    if (!(v >= -0x1p63 && v < 0x1p63)) {
      throw new ArithmeticException(
          v + " at " + Arrays.toString(index) + " of " + path + " does not fit in a long");
    }
    return (long) v;
  }

  /**
   * Stores {@code value} at {@code index}, converted as numpy's assignment would: integers
   * truncated toward zero and range-checked, bool as {@code value != 0}, float16 rounded to
   * nearest.
   *
   * @throws IllegalStateException when the array is read-only or closed
   * @throws IllegalArgumentException when the index is out of bounds or the value does not fit
   * @throws NpyAccessException naming the file when the write fails (a full disk)
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
   * @throws NpyAccessException naming the file when the write fails (a full disk)
   */
  public void setLong(long value, long... index) {
    checkWritable();
    write(offsetOf(index), ElementBits.ofLong(dtype, value));
  }

  private void checkWritable() {
    if (writer == null) {
      throw new IllegalStateException(path + " is mapped read-only");
    }
  }

  private void write(long pos, long bits) {
    guard.enter();
    try {
      writer.write(pos, bits);
    } finally {
      guard.leave();
    }
  }

  /** The file offset of the element at {@code index}, checked against the shape. */
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
    long pos = dataOffset;
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
   * to the dtype's). The view shares the mapping, which stays mapped as long as the view is
   * reachable: after {@link #close()} the view still reads the file's bytes (the mapping is then
   * released by the garbage collector, not by close), never freed memory.
   *
   * @throws UnsupportedOperationException when rows are not contiguous (Fortran order) or a row is
   *     too large for one mapping window; use {@link #gather} then
   * @throws IllegalArgumentException when {@code i} is not in {@code [0, rows())}
   * @throws IllegalStateException when the array is closed
   */
  public ByteBuffer row(long i) {
    if (layout == null) {
      throw new UnsupportedOperationException(
          "row views need C order, but " + path + " is in Fortran order; use gather");
    }
    checkRow(i);
    guard.enter();
    try {
      ByteBuffer view =
          rowBytes <= Integer.MAX_VALUE ? mapped.slice(layout.offset(i), (int) rowBytes) : null;
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
      guard.leave();
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
    guard.enter();
    try {
      try {
        if (layout != null) {
          RowGather.gather(layout, readers, rowIds, from, count, out, base);
        } else {
          RowGather.gatherStrided(
              mapped, dataOffset, shape, strides, dtype.itemSize(), rowIds, from, count, out, base);
        }
      } finally {
        guard.leave();
      }
    } catch (InternalError e) {
      throw mapped.accessFailure(e);
    }
    dst.position(base + (int) (count * rowBytes));
  }

  /**
   * Makes the setters' writes durable (syncs the file's data to the device); nothing to do when
   * read-only.
   *
   * @throws IllegalStateException when the array is closed
   * @throws NpyAccessException naming the file when the sync fails
   */
  public void force() {
    guard.enter();
    try {
      if (writer != null) {
        writer.force();
      }
    } finally {
      guard.leave();
    }
  }

  /**
   * Closes the array. Idempotent. The mapping is released at once, or, when reads are in progress
   * on other threads, as soon as the last of them finishes; new reads fail from now on.
   */
  @Override
  public void close() {
    guard.close();
  }

  private void release() {
    mapped.unmap();
    try {
      file.close();
    } catch (IOException e) {
      // Its writes went through write(), which reported any failure: nothing is lost.
    }
  }

  /** Where each row is in the file; empty for a Fortran layout, whose rows are not contiguous. */
  Optional<RowLayout> layout() {
    return Optional.ofNullable(layout);
  }

  /** The identity of the opened file (its {@code fileKey}), to tell it from a replacement. */
  Object fileKey() {
    return fileKey;
  }

  /** The guard every access to this array goes through; readers of its file use it too. */
  AccessGuard guard() {
    return guard;
  }

  /**
   * True when the file is now shorter than this array's data: it was truncated while mapped. Used
   * to name the culprit of a mapped-read fault that surfaced outside this class.
   */
  boolean isTruncated() {
    return mapped.isTruncated();
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
