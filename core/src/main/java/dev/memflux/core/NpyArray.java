package dev.memflux.core;

import dev.memflux.core.MappedChunks.Windowing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A NumPy array memory-mapped from a .npy file (or a headerless {@code np.memmap} file, or a stored
 * member of an .npz), with zero-copy row views and a bulk row {@link #gather gather} into caller
 * buffers; or a zero-copy view of such arrays: the rows of several files as one array ({@link
 * #openShards}), a range or subset of rows ({@link #slice}, {@link #take}), overlapping windows
 * ({@link #windows}). Every kind is a {@link Loader} field like any other.
 *
 * <pre>{@code
 * try (NpyArray x = NpyArray.open(Path.of("train_x.npy"))) {   // np.load(..., mmap_mode='r')
 *   ByteBuffer batch = ByteBuffer.allocateDirect((int) (256 * x.rowBytes()));
 *   x.gather(rowIds, 0, 256, batch);                            // native byte order, C order
 *   double v = x.getDouble(0, 1, 2, 3);
 *   NpyArray train = x.slice(0, 50_000);                        // x[:50000], no copy
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
 * <p><b>Views and closing.</b> {@link #slice}, {@link #take} and {@link #windows} return views that
 * read through the array they were made from and own nothing: closing a view ends that view only,
 * and closing the array it was made from (or, for a view of a view, any array up the chain) ends
 * the view too, whose methods then throw {@link IllegalStateException}. The arrays of {@link
 * #openNpz} and {@link #openShards} own their files: closing one releases every file it mapped.
 * Views are read-only. Close an array after its views, or once nothing reads them.
 *
 * <p>This class is the facade: {@link NpyOpener} opens and validates, {@link AccessGuard} guards
 * against use after close, {@link ArrayData} says where the data is (one file, several, or the
 * array a view reads), {@link MappedReader} reads the mappings, {@link ElementDecoder} and {@link
 * ElementWriter} convert single elements, and {@link RowGather} gathers rows.
 */
public final class NpyArray implements AutoCloseable {

  private final String name;
  private final Path path;
  private final DType dtype;
  private final long[] shape;
  private final boolean fortranOrder;
  private final String version;
  private final long count;
  private final long rows;
  private final long rowBytes;

  /** Bytes between neighbours within a row, along axes 1.., in C order. */
  private final long[] rowStrides;

  private final ArrayData data;

  /** Where each row is: set when rows are contiguous in their files; null for a Fortran layout. */
  private final @Nullable RowLayout layout;

  private final MappedReader[] files;
  private final ElementDecoder[] decoders;

  /** Null when read-only. */
  private final @Nullable ElementWriter writer;

  private final AccessGuard guard;

  /**
   * An array over {@code data}, which it releases when closed; {@link NpyOpener} builds arrays of
   * files, and the view factories views.
   *
   * @param name the array as messages name it: its file, or how a view was made
   * @param path the file, or the first file, read
   * @param parent the guard of the array a view reads through, or null
   */
  NpyArray(
      String name,
      Path path,
      DType dtype,
      long[] shape,
      boolean fortranOrder,
      String version,
      ArrayData data,
      @Nullable AccessGuard parent) {
    this.name = name;
    this.path = path;
    this.dtype = dtype;
    this.shape = shape.clone();
    this.fortranOrder = fortranOrder;
    this.version = version;
    this.data = data;
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    this.count = n;
    this.rows = shape.length == 0 ? 1 : shape[0];
    this.rowBytes = NpyHeader.byteSize(shape, Math.min(1, shape.length), dtype.itemSize());
    this.rowStrides = new long[shape.length];
    long stride = dtype.itemSize();
    for (int axis = shape.length - 1; axis >= 1; axis--) {
      rowStrides[axis] = stride;
      stride *= shape[axis];
    }
    this.layout = data.layout();
    this.files = data.files();
    this.decoders = new ElementDecoder[files.length];
    for (int f = 0; f < files.length; f++) {
      decoders[f] = new ElementDecoder(dtype, files[f]);
    }
    this.writer = data.writer();
    this.guard = new AccessGuard(name, data::release, parent);
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
   * Maps several .npy files as one array: their rows one after the other, in the order given, like
   * {@code np.concatenate([np.load(p, mmap_mode='r') for p in paths])} without the copy. Every file
   * must hold rows of the same dtype (byte order included) and row shape, in C order; an empty file
   * adds no rows (and is logged as a warning, since it is often a mistake). Sample {@code i} of a
   * {@link Loader} over it is row {@code i} of the whole: shuffling, sharding and resuming work
   * across files. The array owns the files; {@link #close()} releases them all.
   *
   * <pre>{@code
   * try (NpyArray x = NpyArray.openShards(List.of(dir.resolve("x_0.npy"), dir.resolve("x_1.npy")));
   *      NpyArray y = NpyArray.openShards(dir, "y_*.npy")) { ... }
   * }</pre>
   *
   * @throws IllegalArgumentException naming the file and how it differs from the first when files
   *     disagree (dtype, row shape), or one is 0-d or in Fortran order (not C-contiguous rows);
   *     when {@code paths} is empty
   * @throws IOException when a file cannot be opened ({@link #open}'s errors, naming it); nothing
   *     stays open then
   */
  public static NpyArray openShards(List<Path> paths) throws IOException {
    return ShardSet.open(paths, Windowing.DEFAULT);
  }

  /**
   * {@link #openShards(List)} of the files in {@code directory} whose names match {@code glob}
   * (such as {@code "train_*.npy"}; the syntax of {@link java.nio.file.FileSystem#getPathMatcher},
   * without the {@code glob:} prefix), in name order with numbers compared by value: {@code
   * train_2.npy} before {@code train_10.npy}.
   *
   * @throws IOException when the directory cannot be read, no file matches, or a file cannot be
   *     opened
   */
  public static NpyArray openShards(Path directory, String glob) throws IOException {
    return ShardSet.open(ShardSet.list(directory, glob), Windowing.DEFAULT);
  }

  static NpyArray openShards(List<Path> paths, Windowing windowing) throws IOException {
    return ShardSet.open(paths, windowing);
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

  /**
   * The mapped file: for an .npz member the archive; for {@link #openShards shards} the first
   * shard; for a view, the file of the array it views.
   */
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

  /**
   * Rows {@code [from, to)} as an array of their own, like numpy's {@code a[from:to]}: a train and
   * validation split of one file, say, each a {@link Loader} field of its own. Zero-copy: the view
   * reads this array's mapping. See the class comment for closing.
   *
   * <pre>{@code
   * NpyArray train = x.slice(0, 54_000), validation = x.slice(54_000, x.rows());
   * }</pre>
   *
   * @throws IllegalArgumentException naming the range and the row count unless {@code 0 <= from <=
   *     to <= rows()} (negative indices are not supported), or for a 0-d array
   * @throws IllegalStateException when this array is closed
   */
  public NpyArray slice(long from, long to) {
    return RowSubset.slice(this, from, to);
  }

  /**
   * The rows {@code ids}, in that order, as an array of their own, like numpy's {@code np.take(a,
   * ids, axis=0)}: a class-balanced or filtered subset. Row {@code i} of the view is row {@code
   * ids[i]} of this array; ids may repeat. Zero-copy (the ids are copied, the rows are not): the
   * view reads this array's mapping. See the class comment for closing.
   *
   * @throws IllegalArgumentException naming the first id outside {@code [0, rows())}, or for a 0-d
   *     array
   * @throws IllegalStateException when this array is closed
   */
  public NpyArray take(long[] ids) {
    return RowSubset.take(this, ids);
  }

  /**
   * Windows of {@code length} consecutive rows, {@code stride} rows apart, as an array: row {@code
   * i} of the view is rows {@code [i * stride, i * stride + length)} of this array, so a 1-D token
   * stream of {@code n} elements gives {@code (n - length) / stride + 1} windows of shape {@code
   * (length,)} (an array of shape {@code (n, d...)} gives windows of shape {@code (length, d...)}).
   * Windows overlap when {@code stride < length} and share their bytes: nothing is copied until a
   * batch is gathered. With {@link Shuffle#random} and stride 1 a loader draws nanoGPT's random
   * offsets, each once per epoch, resumable; inputs and next-token targets are two views:
   *
   * <pre>{@code
   * NpyArray tokens = NpyArray.openRaw(Path.of("train.bin"), DType.parse("<u2"), new long[] {n}, 0);
   * NpyArray x = tokens.slice(0, n - 1).windows(block, 1);   // x[i] = tokens[i, i + block)
   * NpyArray y = tokens.slice(1, n).windows(block, 1);       // y[i] = tokens[i + 1, i + 1 + block)
   * Loader loader = Loader.builder(x, y).batchSize(64).shuffle(Shuffle.random(seed)).build();
   * }</pre>
   *
   * <p>The view reads this array's mapping; see the class comment for closing.
   *
   * @throws IllegalArgumentException naming the values when {@code length} or {@code stride} is
   *     below 1, a window is longer than the array, or its rows are not back to back in one file
   *     (Fortran order, or {@link #openShards shards}: take windows of each shard), or for a 0-d
   *     array
   * @throws IllegalStateException when this array is closed
   */
  public NpyArray windows(long length, long stride) {
    return Windows.of(this, length, stride);
  }

  /**
   * Whether the array is still open: neither it nor, for a view, an array it reads through was
   * closed.
   */
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
    checkIndex(index);
    guard.enter();
    int file = fileOf(index);
    try {
      try {
        double value = decoders[file].readDouble(offsetOf(index));
        files[file].verify();
        return value;
      } finally {
        guard.leave();
      }
    } catch (InternalError e) {
      throw files[file].accessFailure(e);
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
    if (dtype.kind() == DType.Kind.FLOAT) {
      double v = getDouble(index);
      if (!(v >= -0x1p63 && v < 0x1p63)) {
        throw new ArithmeticException(
            v + " at " + Arrays.toString(index) + " of " + name + " does not fit in a long");
      }
      return (long) v;
    }
    checkIndex(index);
    guard.enter();
    int file = fileOf(index);
    try {
      try {
        long bits = decoders[file].readBits(offsetOf(index));
        files[file].verify();
        return bits;
      } finally {
        guard.leave();
      }
    } catch (InternalError e) {
      throw files[file].accessFailure(e);
    }
  }

  /**
   * Stores {@code value} at {@code index}, converted as numpy's assignment would: integers
   * truncated toward zero and range-checked, bool as {@code value != 0}, float16 rounded to
   * nearest.
   *
   * @throws IllegalStateException when the array is read-only (opened for reading, or a view) or
   *     closed
   * @throws IllegalArgumentException when the index is out of bounds or the value does not fit
   * @throws NpyAccessException naming the file when the write fails (a full disk)
   */
  public void setDouble(double value, long... index) {
    ElementWriter w = writer();
    checkIndex(index);
    write(w, index, ElementBits.ofDouble(dtype, value));
  }

  /**
   * Stores {@code value} at {@code index}: range-checked for integer types (for u8 the long's 64
   * bits are stored as unsigned, mirroring {@link #getLong}), bool as {@code value != 0}, floats
   * rounded to nearest.
   *
   * @throws IllegalStateException when the array is read-only (opened for reading, or a view) or
   *     closed
   * @throws IllegalArgumentException when the index is out of bounds or the value does not fit
   * @throws NpyAccessException naming the file when the write fails (a full disk)
   */
  public void setLong(long value, long... index) {
    ElementWriter w = writer();
    checkIndex(index);
    write(w, index, ElementBits.ofLong(dtype, value));
  }

  private ElementWriter writer() {
    if (writer == null) {
      throw new IllegalStateException(name + " is mapped read-only");
    }
    return writer;
  }

  private void write(ElementWriter writer, long[] index, long bits) {
    guard.enter();
    try {
      writer.write(offsetOf(index), bits);
    } finally {
      guard.leave();
    }
  }

  /** Checks {@code index} against the shape. */
  private void checkIndex(long[] index) {
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
    }
  }

  /** Which of {@link #files} holds the element at {@code index} (checked). */
  private int fileOf(long[] index) {
    return layout == null ? 0 : layout.file(index.length == 0 ? 0 : index[0]);
  }

  /** The file offset of the element at {@code index} (checked), in its file. */
  private long offsetOf(long[] index) {
    if (layout == null) {
      return data.elementOffset(index);
    }
    if (index.length == 0) {
      return layout.offset(0);
    }
    long pos = layout.offset(index[0]);
    for (int axis = 1; axis < index.length; axis++) {
      pos += index[axis] * rowStrides[axis];
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
          "row views need C order, but " + name + " is in Fortran order; use gather");
    }
    checkRow(i);
    guard.enter();
    try {
      @Nullable ByteBuffer view =
          rowBytes <= Integer.MAX_VALUE
              ? files[layout.file(i)].slice(layout.offset(i), (int) rowBytes)
              : null;
      if (view == null) {
        throw new UnsupportedOperationException(
            "row "
                + i
                + " of "
                + name
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
          "row id " + i + " is out of range [0, " + rows + ") of " + name);
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
        gatherRows(rowIds, from, count, out, base);
      } finally {
        guard.leave();
      }
    } catch (InternalError e) {
      throw accessFailure(e);
    }
    dst.position(base + (int) (count * rowBytes));
  }

  /** {@link #gather} after its checks, inside the guard: for the array and its views. */
  void gatherRows(long[] ids, int from, int count, ByteBuffer out, int at) {
    if (layout != null) {
      RowGather.gather(layout, files, ids, from, count, out, at);
    } else {
      data.gatherStrided(ids, from, count, out, at);
    }
  }

  /** The exception for a mapped-read fault: names the truncated file, or else the first. */
  private NpyAccessException accessFailure(InternalError e) {
    for (MappedReader f : files) {
      if (f.isTruncated()) {
        return f.accessFailure(e);
      }
    }
    return files[0].accessFailure(e);
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
   * on other threads, as soon as the last of them finishes; new reads fail from now on. A view
   * releases nothing: it ends, and the array it reads stays open.
   */
  @Override
  public void close() {
    guard.close();
  }

  /** Where each row is in the files; empty for a Fortran layout, whose rows are not contiguous. */
  Optional<RowLayout> layout() {
    return Optional.ofNullable(layout);
  }

  /** The mapped files this array reads, indexed by {@link RowLayout#file}. */
  MappedReader[] files() {
    return files.clone();
  }

  /** What the array reads. */
  ArrayData data() {
    return data;
  }

  /** The bytes of the files the array reads, as {@link ArrayData#dataBytes()} counts them. */
  long dataBytes() {
    return data.dataBytes();
  }

  /** The array as messages name it: its file, or how a view was made from one. */
  String name() {
    return name;
  }

  /** The guard every access to this array goes through; readers of its file use it too. */
  AccessGuard guard() {
    return guard;
  }

  /**
   * The file that is now shorter than this array's data in it (truncated while mapped), or null.
   * Names the culprit of a mapped-read fault that surfaced outside this class.
   */
  @Nullable Path truncatedFile() {
    for (MappedReader f : files) {
      if (f.isTruncated()) {
        return f.file();
      }
    }
    return null;
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
        + name
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
