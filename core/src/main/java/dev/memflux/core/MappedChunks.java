package dev.memflux.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A file region of any size mapped as overlapping windows, because one Java 17 {@link
 * java.nio.MappedByteBuffer} cannot exceed 2 GiB. Window {@code k} starts at {@code k * chunk} and
 * reaches {@code overlap} bytes into the next chunk, so with {@code overlap} equal to the row size
 * every row lies entirely inside the window of the chunk where it starts: a row view is zero-copy
 * and a row copy is one bulk copy. Rows longer than the overlap are copied piecewise.
 *
 * <p>Windows are given the file's byte order and are only ever read with absolute-index methods, so
 * any number of threads may read at once. Positions are relative to the region start.
 */
final class MappedChunks {

  /**
   * How the region is cut into windows.
   *
   * @param chunkShift log2 of the chunk size, 3..30
   * @param maxWindowBytes the largest window, a multiple of 8 no smaller than one chunk
   */
  record Windowing(int chunkShift, int maxWindowBytes) {

    /** 1 GiB chunks, like Lucene on Java 17; windows up to the 2 GiB buffer limit. */
    static final Windowing DEFAULT = new Windowing(30, Integer.MAX_VALUE & ~7);

    Windowing {
      if (chunkShift < 3 || chunkShift > 30) {
        throw new IllegalArgumentException("chunkShift must be 3..30, was " + chunkShift);
      }
      if (maxWindowBytes < (1 << chunkShift) || maxWindowBytes % 8 != 0) {
        throw new IllegalArgumentException(
            "maxWindowBytes must be a multiple of 8 and at least one chunk, was " + maxWindowBytes);
      }
    }
  }

  private final ByteBuffer[] windows;
  private final int shift;
  private final long mask;
  private final int itemSize;
  private final boolean swap;

  private MappedChunks(ByteBuffer[] windows, int shift, int itemSize, boolean swap) {
    this.windows = windows;
    this.shift = shift;
    this.mask = (1L << shift) - 1;
    this.itemSize = itemSize;
    this.swap = swap;
  }

  /**
   * Maps {@code length} bytes of {@code channel} from {@code offset}, read-only. Exception-safe:
   * when any window fails to map, those already mapped are unmapped before the exception
   * propagates.
   *
   * @param overlap bytes each window reaches past its chunk (the row size, for zero-copy rows)
   * @param dtype the element type; windows read in its byte order, and copies swap to native
   */
  static MappedChunks map(
      FileChannel channel,
      Path file,
      long offset,
      long length,
      long overlap,
      DType dtype,
      Windowing windowing)
      throws IOException {
    long chunk = 1L << windowing.chunkShift();
    long reach = Math.min(overlap, windowing.maxWindowBytes() - chunk);
    int count = (int) ((length + chunk - 1) >>> windowing.chunkShift());
    ByteBuffer[] windows = new ByteBuffer[count];
    int mapped = 0;
    try {
      for (; mapped < count; mapped++) {
        long start = mapped * chunk;
        long size = Math.min(length - start, chunk + reach);
        try {
          windows[mapped] =
              channel.map(FileChannel.MapMode.READ_ONLY, offset + start, size).order(dtype.order());
        } catch (IOException e) {
          throw mapFailure(file, offset + start, size, e);
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      for (int i = 0; i < mapped; i++) {
        Unmapper.unmap(windows[i]);
      }
      throw e;
    }
    return new MappedChunks(
        windows, windowing.chunkShift(), dtype.itemSize(), !dtype.isNativeOrder());
  }

  /**
   * Lucene's advice for the usual cause of a failed map: the address space or the map count of the
   * process is exhausted, not the disk or the heap.
   */
  static IOException mapFailure(Path file, long offset, long size, IOException e) {
    if (!(e.getCause() instanceof OutOfMemoryError) && !"Map failed".equals(e.getMessage())) {
      return e;
    }
    return new IOException(
        file
            + ": could not memory-map "
            + size
            + " bytes at offset "
            + offset
            + " ("
            + e.getMessage()
            + "): the process is out of virtual address space or map count; check that"
            + " 'ulimit -v' is unlimited and raise 'sysctl vm.max_map_count', or map fewer files",
        e);
  }

  private ByteBuffer window(long pos) {
    return windows[(int) (pos >>> shift)];
  }

  private int offset(long pos) {
    return (int) (pos & mask);
  }

  /**
   * Copies {@code length} bytes from {@code pos} into {@code dst} at absolute index {@code at},
   * converting elements to the destination's byte order, which must be native. One bulk copy per
   * window touched; never moves any buffer's position.
   */
  void copy(long pos, ByteBuffer dst, int at, int length) {
    while (length > 0) {
      ByteBuffer w = window(pos);
      int off = offset(pos);
      int n = Math.min(length, w.limit() - off);
      ElementCopy.copy(w, off, dst, at, n, itemSize, swap);
      pos += n;
      at += n;
      length -= n;
    }
  }

  /** Copies the one element at {@code pos} into native-order {@code dst} at index {@code at}. */
  void copyElement(long pos, ByteBuffer dst, int at) {
    ByteBuffer w = window(pos);
    int off = offset(pos);
    switch (itemSize) {
      case 1 -> dst.put(at, w.get(off));
      case 2 -> dst.putShort(at, w.getShort(off));
      case 4 -> dst.putInt(at, w.getInt(off));
      default -> dst.putLong(at, w.getLong(off));
    }
  }

  /**
   * A view of {@code [pos, pos + length)} sharing the mapping, or null when those bytes are not all
   * inside one window.
   */
  @Nullable ByteBuffer slice(long pos, int length) {
    if (length == 0) {
      return ByteBuffer.allocate(0);
    }
    ByteBuffer w = window(pos);
    int off = offset(pos);
    return off + length <= w.limit() ? w.slice(off, length) : null;
  }

  // Elements never straddle windows: windows start at multiples of the chunk, itself a multiple
  // of every item size, so an element-aligned position lies wholly in window(pos).

  byte getByte(long pos) {
    return window(pos).get(offset(pos));
  }

  short getShort(long pos) {
    return window(pos).getShort(offset(pos));
  }

  int getInt(long pos) {
    return window(pos).getInt(offset(pos));
  }

  long getLong(long pos) {
    return window(pos).getLong(offset(pos));
  }

  /** Releases every window. The caller guarantees no thread can touch them any more. */
  void unmap() {
    for (ByteBuffer w : windows) {
      Unmapper.unmap(w);
    }
  }
}
