package dev.memflux.core;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads an array's file with positional reads ({@code pread}), so that many reads can be in flight
 * at once from as many threads: the out-of-core path of the {@link Loader}. Page-cache reads land
 * straight in the destination; {@code O_DIRECT} reads (which bypass the page cache, with no
 * read-ahead to waste and nothing left behind to evict) go through aligned {@link ReadBuffers}.
 *
 * <p>Only the loader's own I/O threads read, and nobody interrupts them: a thread interrupted in a
 * {@link FileChannel} read closes the channel for every thread. The channel is this reader's own,
 * opened per subscription and checked to be the same file as the array's, so a file replaced under
 * the array is refused rather than read.
 */
final class FileReader implements RowReader, AutoCloseable {

  private final Path path;
  private final FileChannel channel;
  private final boolean direct;
  private final int itemSize;
  private final boolean swap;
  private final ByteOrder fileOrder;
  private final ReadBuffers buffers;

  private FileReader(
      Path path, FileChannel channel, boolean direct, DType dtype, ReadBuffers buffers) {
    this.path = path;
    this.channel = channel;
    this.direct = direct;
    this.itemSize = dtype.itemSize();
    this.swap = !dtype.isNativeOrder();
    this.fileOrder = dtype.order();
    this.buffers = buffers;
  }

  /**
   * Opens the file {@code mapped} maps, of an array of {@code dtype}, for positional reads.
   *
   * @param direct bypass the page cache ({@code O_DIRECT}); {@code buffers} must then be aligned to
   *     the file system's block size
   * @throws IOException when the file cannot be opened, or is no longer the file the array opened
   */
  static FileReader open(MappedReader mapped, DType dtype, boolean direct, ReadBuffers buffers)
      throws IOException {
    Path path = mapped.file();
    FileChannel channel = FileChannel.open(path, options(direct));
    try {
      Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
      if (!Objects.equals(key, mapped.fileKey())) {
        throw new IOException(
            path
                + ": the file was replaced since the array was opened; reopen it to read the new"
                + " file out of core (the old one is only reachable through the array's mapping)");
      }
      return new FileReader(path, channel, direct, dtype, buffers);
    } catch (IOException | RuntimeException | Error e) {
      channel.close();
      throw e;
    }
  }

  private static OpenOption[] options(boolean direct) {
    return direct
        ? new OpenOption[] {StandardOpenOption.READ, ExtendedOpenOption.DIRECT}
        : new OpenOption[] {StandardOpenOption.READ};
  }

  /**
   * The block size {@code O_DIRECT} reads of {@code file} must be aligned to, or empty when the
   * file system refuses them (tmpfs, some network file systems); the reason is then in {@code
   * why[0]}. Tries one aligned read, as some file systems accept the flag but fail the read.
   */
  static int directAlignment(Path file, String[] why) {
    try {
      long block = Files.getFileStore(file).getBlockSize();
      if (block <= 0 || block > (1 << 20) || Long.bitCount(block) != 1) {
        why[0] = "its file system's block size " + block + " is not a power of two up to 1 MiB";
        return 0;
      }
      int alignment = (int) block;
      try (FileChannel channel = FileChannel.open(file, options(true))) {
        ByteBuffer probe =
            ByteBuffer.allocateDirect(2 * alignment).alignedSlice(alignment).limit(alignment);
        channel.read(probe, 0);
      }
      return alignment;
    } catch (IOException | UnsupportedOperationException e) {
      why[0] = "O_DIRECT reads of " + file + " fail (" + e.getMessage() + ")";
      return 0;
    }
  }

  @Override
  public Path file() {
    return path;
  }

  @Override
  public void copy(long offset, ByteBuffer dst, int at, int length) {
    if (!direct) {
      // Straight into the destination, then swapped in place.
      readFully(dst.slice(at, length), offset, offset + length);
      if (swap) {
        ElementCopy.copy(
            dst.duplicate().order(fileOrder), at, dst, at, length, itemSize, /* swap= */ true);
      }
      return;
    }
    int step = maxPiece();
    for (int done = 0; done < length; done += step) {
      int n = Math.min(step, length - done);
      ByteBuffer b = buffers.take(span(offset + done, n));
      try {
        int from = fill(b, offset + done, n);
        ElementCopy.copy(b, from, dst, at + done, n, itemSize, swap);
      } finally {
        buffers.give(b);
      }
    }
  }

  /** Positional reads fail at the read itself: nothing is left to check afterwards. */
  @Override
  public void verify() {}

  /** The largest piece of data one read buffer takes, whatever its alignment. */
  int maxPiece() {
    int a = buffers.alignment();
    return buffers.largeBytes() - (a > 1 ? 2 * a : 0);
  }

  /**
   * Bytes a buffer needs to read {@code [offset, offset + length)} with this reader's alignment.
   */
  int span(long offset, int length) {
    long a = buffers.alignment();
    long start = offset & -a;
    long end = (offset + length + a - 1) & -a;
    return (int) (end - start);
  }

  /**
   * Reads {@code [offset, offset + length)} into {@code b} (from {@link #buffers}, big enough for
   * {@link #span}) and returns the index of {@code offset}'s byte in it. {@code b} is left in the
   * file's byte order.
   */
  int fill(ByteBuffer b, long offset, int length) {
    long a = buffers.alignment();
    long start = offset & -a;
    int size = span(offset, length);
    readFully(b.clear().limit(size).order(fileOrder), start, offset + length);
    return (int) (offset - start);
  }

  /**
   * Copies {@code length} bytes at index {@code index} of a buffer {@link #fill} filled to {@code
   * dst} at index {@code at}, in native byte order.
   */
  void copyOut(ByteBuffer filled, int index, ByteBuffer dst, int at, int length) {
    ElementCopy.copy(filled, index, dst, at, length, itemSize, swap);
  }

  /**
   * Reads into {@code target} from file offset {@code position} until it is full or the file ends;
   * the read must reach at least file offset {@code needed}.
   */
  private void readFully(ByteBuffer target, long position, long needed) {
    ByteBuffer t = target.duplicate();
    long at = position;
    int alignment = buffers.alignment();
    try {
      while (at < needed && t.hasRemaining()) {
        int n = channel.read(t, at);
        if (n <= 0) {
          break;
        }
        at += n;
        if (n % alignment != 0) {
          break; // the end of the file, mid-block: an O_DIRECT read may not go on from there
        }
      }
    } catch (IOException e) {
      throw NpyAccessException.readFailed(path, "reading at byte " + position, e);
    }
    if (at < needed) {
      long size;
      try {
        size = channel.size();
      } catch (IOException e) {
        size = -1;
      }
      throw NpyAccessException.readFailed(
          path, "it has " + size + " bytes, a read needs bytes up to " + needed, null);
    }
  }

  /**
   * Memory of its own for {@code [offset, offset + length)} (aligned as this reader needs), to be
   * filled piece by piece, from several threads at once, and copied from many times: an entry of
   * the blocks cache.
   *
   * @param reuse the buffer of an extent nobody uses any more, at least {@link #span} bytes, or
   *     null to allocate one
   */
  Extent extent(long offset, int length, @Nullable ByteBuffer reuse) {
    int a = buffers.alignment();
    int size = span(offset, length);
    ByteBuffer b = reuse != null ? reuse : ByteBuffer.allocateDirect(size + a - 1).alignedSlice(a);
    return new Extent(offset, length, offset & -(long) a, b.clear().limit(size).order(fileOrder));
  }

  /** A run of the file read into a buffer of its own. */
  final class Extent {
    private final long offset;
    private final int length;
    private final long start;
    private final ByteBuffer buffer;

    private Extent(long offset, int length, long start, ByteBuffer buffer) {
      this.offset = offset;
      this.length = length;
      this.start = start;
      this.buffer = buffer;
    }

    /** Bytes of memory this extent holds. */
    int bytes() {
      return buffer.capacity();
    }

    /** The memory, for reuse by another extent once nobody uses this one. */
    ByteBuffer buffer() {
      return buffer;
    }

    /** Reads of at most {@link #maxPiece()} bytes that fill the extent. */
    int pieces() {
      return (buffer.limit() + maxPiece() - 1) / maxPiece();
    }

    /** Reads piece {@code k}; pieces may be read concurrently. */
    void readPiece(int k) {
      int from = k * maxPiece();
      int n = Math.min(maxPiece(), buffer.limit() - from);
      long end = Math.min(start + from + n, offset + length);
      readFully(buffer.slice(from, n), start + from, end);
    }

    /** Copies file bytes {@code [fileOffset, fileOffset + n)}, inside the extent, to dst. */
    void copyTo(long fileOffset, ByteBuffer dst, int at, int n) {
      ElementCopy.copy(buffer, (int) (fileOffset - start), dst, at, n, itemSize, swap);
    }
  }

  /** Closes the channel; the caller guarantees that no read is in progress or can start. */
  @Override
  public void close() throws IOException {
    channel.close();
  }
}
