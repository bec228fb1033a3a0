package dev.memflux.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Reads an array's data from a read-only memory mapping of its file ({@link MappedChunks}): bulk
 * copies, single elements, and zero-copy views. The page cache is the only buffer, which is the
 * fastest path while the data fits in memory.
 *
 * <p>A file that shrinks under a mapping makes reads fault. HotSpot reports such a fault as an
 * {@link InternalError}, but in compiled code only asynchronously, at the thread's next runtime
 * call, which may be far into the caller's code, while the read itself returns garbage. So {@link
 * #verify()} checks the file's length (one fstat, uninterruptible, unlike a FileChannel's) after a
 * batch of reads and, on the rare failure, drains the pending error where it can be caught.
 */
final class MappedReader implements RowReader {

  /** Written so the allocation in {@link #drainPendingFault()} cannot be optimised away. */
  @SuppressWarnings("unused")
  private static volatile int faultDrain;

  private final Path path;

  /** The identity of the mapped file (its {@code fileKey}), to tell it from a replacement. */
  private final Object fileKey;

  private final MappedChunks data;
  private final long regionStart;
  private final long regionEnd;

  /** An open descriptor of the file, to read its length; owned by the caller. */
  private final RandomAccessFile lengthProbe;

  /** Set once a view was handed out: from then on only the garbage collector may unmap. */
  private volatile boolean viewsTaken;

  /**
   * @param fileKey the file's identity when it was opened
   * @param data the mapping of the file's bytes {@code [regionStart, regionEnd)}
   * @param lengthProbe an open descriptor of the same file, kept open as long as this reader
   */
  MappedReader(
      Path path,
      Object fileKey,
      MappedChunks data,
      long regionStart,
      long regionEnd,
      RandomAccessFile lengthProbe) {
    this.path = path;
    this.fileKey = fileKey;
    this.data = data;
    this.regionStart = regionStart;
    this.regionEnd = regionEnd;
    this.lengthProbe = lengthProbe;
  }

  @Override
  public Path file() {
    return path;
  }

  /** The identity of the mapped file, to tell it from a file put in its place since. */
  Object fileKey() {
    return fileKey;
  }

  @Override
  public void copy(long offset, ByteBuffer dst, int at, int length) {
    try {
      data.copy(offset - regionStart, dst, at, length);
    } catch (InternalError e) {
      throw accessFailure(e);
    }
  }

  /** Copies the one element at {@code offset} into native-order {@code dst} at index {@code at}. */
  void copyElement(long offset, ByteBuffer dst, int at) {
    try {
      data.copyElement(offset - regionStart, dst, at);
    } catch (InternalError e) {
      throw accessFailure(e);
    }
  }

  /**
   * A view of {@code [offset, offset + length)} sharing the mapping, in the file's byte order, or
   * null when those bytes are not all inside one mapping window. Once a view exists, {@link
   * #unmap()} leaves the mapping to the garbage collector, which unmaps it only when no view can
   * reach it any more: reading a view after its array was closed reads the file's bytes instead of
   * crashing the JVM.
   */
  @Nullable ByteBuffer slice(long offset, int length) {
    viewsTaken = true;
    return data.slice(offset - regionStart, length);
  }

  /** The element bytes at {@code offset}, in the file's byte order. */
  byte getByte(long offset) {
    return data.getByte(offset - regionStart);
  }

  short getShort(long offset) {
    return data.getShort(offset - regionStart);
  }

  int getInt(long offset) {
    return data.getInt(offset - regionStart);
  }

  long getLong(long offset) {
    return data.getLong(offset - regionStart);
  }

  @Override
  public void verify() {
    long size;
    try {
      size = lengthProbe.length();
    } catch (IOException e) {
      throw new NpyAccessException(path, "cannot read its length", e);
    }
    if (size < regionEnd) {
      throw new NpyAccessException(
          path, "it has " + size + " bytes, the mapping needs " + regionEnd, drainPendingFault());
    }
  }

  /**
   * Forces HotSpot to deliver a pending asynchronous fault now: an allocation too large for the
   * thread-local buffer is a runtime call, and leaving one checks for such errors.
   */
  private static @Nullable InternalError drainPendingFault() {
    try {
      faultDrain = new byte[1 << 22].length;
    } catch (InternalError e) {
      return e;
    }
    return null;
  }

  /** The exception for a mapped-read fault that surfaced at the read. */
  NpyAccessException accessFailure(InternalError e) {
    return new NpyAccessException(path, e);
  }

  /**
   * True when the file is now shorter than the mapping: it was truncated while mapped. Names the
   * culprit of a mapped-read fault that surfaced outside the reader.
   */
  boolean isTruncated() {
    try {
      return Files.size(path) < regionEnd;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Releases the mapping; the caller guarantees that no read is in progress or can start. Left to
   * the garbage collector when views were handed out (see {@link #slice}).
   */
  void unmap() {
    if (!viewsTaken) {
      data.unmap();
    }
  }
}
