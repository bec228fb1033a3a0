package dev.memflux.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a new C-ordered .npy file front to back: the header (by {@link NpyArray#create}), then the
 * elements in order through a {@link FileChannel}, buffered. Much faster than {@link
 * NpyArray#setLong} per element, each call of which pays the array's access bookkeeping and a check
 * of the file's length.
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
 * <p>Closing without {@link #finish()}, as after an error, deletes the file: a half-written array
 * would later read as valid data with a zero-filled tail.
 */
public final class NpyWriter implements AutoCloseable {

  private static final int BUFFER_BYTES = 1 << 16;

  private final Path path;
  private final DType dtype;
  private final FileChannel channel;
  private final ByteBuffer buffer;
  private final long end;

  /** File offset where the buffered bytes go. */
  private long position;

  private boolean finished;

  private NpyWriter(Path path, DType dtype, FileChannel channel, long dataOffset, long end) {
    this.path = path;
    this.dtype = dtype;
    this.channel = channel;
    this.buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(dtype.order());
    this.position = dataOffset;
    this.end = end;
    limitToRoom();
  }

  /**
   * Creates (or replaces) {@code path} as a .npy file of {@code dtype} and {@code shape}, ready for
   * its elements in C order.
   *
   * @throws IllegalArgumentException when the shape has a negative dimension or is too large
   */
  public static NpyWriter create(Path path, DType dtype, long[] shape) throws IOException {
    long dataBytes;
    try (NpyArray created = NpyArray.create(path, dtype, shape)) {
      dataBytes = created.count() * dtype.itemSize();
    }
    try {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE);
      long end = channel.size();
      return new NpyWriter(path, dtype, channel, end - dataBytes, end);
    } catch (IOException | RuntimeException | Error e) {
      deleteAfter(e, path);
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
      long n = channel.transferFrom(src, position + done, count - done);
      if (n <= 0) {
        throw new IOException(
            path + ": the source ended after " + (from + done) + " bytes, " + count + " expected");
      }
      done += n;
    }
    position += count;
  }

  /**
   * Writes what is buffered and makes the file durable.
   *
   * @throws IllegalStateException when fewer elements were put than the shape holds
   */
  public void finish() throws IOException {
    flush();
    if (position != end) {
      throw new IllegalStateException(
          path + ": " + (end - position) + " data bytes were never written");
    }
    channel.force(false);
    finished = true;
  }

  /** Closes the file, and deletes it unless {@link #finish()} completed. Idempotent. */
  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      if (!finished) {
        Files.deleteIfExists(path);
      }
    }
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
    while (buffer.hasRemaining()) {
      position += channel.write(buffer, position);
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

  private static void deleteAfter(Throwable failure, Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }
}
