package dev.memflux.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes a new C-ordered .npy file front to back: the header, then the elements in order through a
 * {@link FileChannel}, buffered. Much faster than {@link NpyArray#setLong} per element, each call
 * of which pays the array's access bookkeeping and a check of the file's length.
 *
 * <pre>{@code
 * try (NpyWriter y = NpyWriter.create(Path.of("train_y.npy"), DType.INT64, new long[] {n})) {
 *   for (long i = 0; i < n; i++) {
 *     y.putLong(label(i));
 *   }
 *   y.finish();
 * }
 * }</pre>
 *
 * <p>The file appears whole or not at all (see {@link AtomicFile}): the elements go to a temporary
 * file beside it, which {@link #finish()} renames over the destination once every element is
 * written and synced. Until then any previous file at the path is untouched, and readers that have
 * it open keep reading it; closing without {@code finish()}, as after an error or a crash, leaves
 * it so and removes the temporary file. A half-written array never appears under the name.
 */
public final class NpyWriter implements AutoCloseable {

  private static final int BUFFER_BYTES = 1 << 16;

  private final Path path;
  private final DType dtype;
  private final AtomicFile file;
  private final FileChannel channel;
  private final ByteBuffer buffer;
  private final long end;

  /** File offset where the buffered bytes go. */
  private long position;

  private NpyWriter(Path path, DType dtype, AtomicFile file, long dataOffset, long end) {
    this.path = path;
    this.dtype = dtype;
    this.file = file;
    this.channel = file.channel();
    this.buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(dtype.order());
    this.position = dataOffset;
    this.end = end;
    limitToRoom();
  }

  /**
   * Starts a .npy file of {@code dtype} and {@code shape} at {@code path}, ready for its elements
   * in C order. It replaces any file there when {@link #finish()} completes, not before.
   *
   * @throws IllegalArgumentException when the shape has a negative dimension, more than 64
   *     dimensions (numpy reads no more), or is too large
   * @throws IOException naming the file when it cannot be written, or its file system has too
   *     little free space for the whole array
   */
  public static NpyWriter create(Path path, DType dtype, long[] shape) throws IOException {
    Objects.requireNonNull(path, "path");
    long[] dims = NpyHeader.checkedShape(shape, dtype);
    byte[] header = NpyHeader.encode(dtype, false, dims);
    long end = header.length + NpyHeader.byteSize(dims, 0, dtype.itemSize());
    AtomicFile file = AtomicFile.create(path);
    try {
      checkSpace(path, file, end);
      NpyWriter writer = new NpyWriter(path, dtype, file, 0, end);
      writer.put(ByteBuffer.wrap(header)); // whole elements: its length is a multiple of 64
      return writer;
    } catch (IOException | RuntimeException | Error e) {
      closeAfter(e, file);
      throw e;
    }
  }

  /** The element type, whose byte order {@link #put(ByteBuffer)} expects. */
  public DType dtype() {
    return dtype;
  }

  /**
   * Appends the remaining bytes of {@code elements}: whole elements already in {@link #dtype()}'s
   * size and byte order.
   *
   * @throws IllegalArgumentException when the bytes are not a whole number of elements
   * @throws IllegalStateException when they go past the end of the array
   */
  public void put(ByteBuffer elements) throws IOException {
    if (elements.remaining() % dtype.itemSize() != 0) {
      throw new IllegalArgumentException(
          path + ": " + elements.remaining() + " bytes are not whole " + dtype + " elements");
    }
    checkRoom(elements.remaining());
    while (elements.hasRemaining()) {
      if (!buffer.hasRemaining()) {
        flush();
      }
      int n = Math.min(buffer.remaining(), elements.remaining());
      buffer.put(elements.slice(elements.position(), n));
      elements.position(elements.position() + n);
    }
  }

  /**
   * Appends {@code value}, converted as {@link NpyArray#setLong} converts it.
   *
   * @throws IllegalArgumentException naming the file and value when it does not fit {@link
   *     #dtype()}
   * @throws IllegalStateException when the array is already full
   */
  public void putLong(long value) throws IOException {
    long bits;
    try {
      bits = ElementBits.ofLong(dtype, value);
    } catch (IllegalArgumentException e) {
      throw inFile(e);
    }
    putBits(bits);
  }

  /**
   * Appends {@code value}, converted as {@link NpyArray#setDouble} converts it: truncated toward
   * zero and range-checked for integer types, rounded to nearest for floats.
   *
   * @throws IllegalArgumentException naming the file and value when it does not fit {@link
   *     #dtype()}
   * @throws IllegalStateException when the array is already full
   */
  public void putDouble(double value) throws IOException {
    long bits;
    try {
      bits = ElementBits.ofDouble(dtype, value);
    } catch (IllegalArgumentException e) {
      throw inFile(e);
    }
    putBits(bits);
  }

  /**
   * Appends {@code count} bytes of {@code src} from byte {@code from}: elements already in {@link
   * #dtype()}'s byte order, copied by the kernel without passing through the heap.
   *
   * @throws IllegalStateException when they go past the end of the array
   * @throws IOException when {@code src} ends first
   */
  public void transferFrom(FileChannel src, long from, long count) throws IOException {
    flush();
    checkRoom(count);
    src.position(from);
    for (long done = 0; done < count; ) {
      long n;
      try {
        n = channel.transferFrom(src, position + done, count - done);
      } catch (IOException e) {
        throw AtomicFile.failure(path, "cannot write", e);
      }
      if (n <= 0) {
        throw new IOException(
            path + ": the source ended after " + (from + done) + " bytes, " + count + " expected");
      }
      done += n;
    }
    position += count;
  }

  /**
   * Writes what is buffered, syncs the file and puts it in place of any previous file at the path
   * (see {@link AtomicFile#commit()}).
   *
   * @throws IllegalStateException when fewer elements were put than the shape holds
   * @throws IOException naming the file and the cause when it cannot be written or put in place
   */
  public void finish() throws IOException {
    flush();
    if (position != end) {
      throw new IllegalStateException(
          path + ": " + (end - position) + " data bytes were never written");
    }
    file.commit();
  }

  /**
   * Closes the file. Unless {@link #finish()} completed, removes what was written and leaves any
   * previous file at the path as it was. Idempotent.
   */
  @Override
  public void close() throws IOException {
    file.close();
  }

  /** Appends the low {@code itemSize} bytes of {@code bits} (see {@link ElementBits}). */
  private void putBits(long bits) throws IOException {
    ByteBuffer b = room();
    switch (dtype.itemSize()) {
      case 1 -> b.put((byte) bits);
      case 2 -> b.putShort((short) bits);
      case 4 -> b.putInt((int) bits);
      default -> b.putLong(bits);
    }
  }

  /** The buffer, with room for one more element. */
  private ByteBuffer room() throws IOException {
    if (buffer.remaining() < dtype.itemSize()) {
      flush();
      checkRoom(dtype.itemSize());
    }
    return buffer;
  }

  private void flush() throws IOException {
    buffer.flip();
    try {
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
    } catch (IOException e) {
      throw AtomicFile.failure(path, "cannot write", e);
    }
    buffer.clear();
    limitToRoom();
  }

  /** The buffer takes no more than the array has left, so a put past the end fails at once. */
  private void limitToRoom() {
    buffer.limit((int) Math.min(buffer.capacity(), end - position));
  }

  /** Throws unless {@code bytes} more fit after what is written and buffered. */
  private void checkRoom(long bytes) {
    long left = end - position - buffer.position();
    if (bytes > left) {
      throw new IllegalStateException(
          path + ": " + bytes + " more bytes do not fit the " + left + " left");
    }
  }

  private IllegalArgumentException inFile(IllegalArgumentException e) {
    return new IllegalArgumentException(path + ": " + e.getMessage(), e);
  }

  /**
   * Fails before any data is written when the file system cannot hold the whole file, rather than
   * after writing most of it. A write can still run out of space when others fill the disk
   * meanwhile.
   */
  private static void checkSpace(Path path, AtomicFile file, long bytes) throws IOException {
    FileStore store = Files.getFileStore(file.temporary());
    long free = store.getUsableSpace();
    // A total of 0 means the file system does not report its space; let the writes tell.
    if (store.getTotalSpace() > 0 && free < bytes) {
      throw new IOException(
          path
              + ": cannot write: the file needs "
              + bytes
              + " bytes, its file system has "
              + free
              + " free");
    }
  }

  private static void closeAfter(Throwable failure, AtomicFile file) {
    try {
      file.close();
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }
}
