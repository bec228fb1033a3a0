package dev.memflux.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * Writes single elements of a writable array with positional writes to its file, not through its
 * mapping: a store into a mapping of a sparse file faults when the disk is full, and HotSpot
 * reports that fault only asynchronously, as an {@link InternalError} surfacing later in unrelated
 * code. A write fails at once, with the file system's reason. The array's read-only mapping shares
 * the page cache with these writes, so reads see them at once.
 *
 * <p>Uses the {@link RandomAccessFile} rather than its channel: a channel is closed for good when a
 * thread blocked in it is interrupted, which would end the array for every thread.
 */
final class ElementWriter {

  private final Path path;
  private final DType dtype;
  private final RandomAccessFile file;
  private final byte[] bytes = new byte[8];

  ElementWriter(Path path, DType dtype, RandomAccessFile file) {
    this.path = path;
    this.dtype = dtype;
    this.file = file;
  }

  /**
   * Stores the low {@code itemSize} bytes of {@code bits} at file offset {@code offset}, in the
   * dtype's byte order.
   *
   * @throws NpyAccessException naming the file and the reason when the write fails (disk full)
   */
  synchronized void write(long offset, long bits) {
    int size = dtype.itemSize();
    boolean little = dtype.order() == java.nio.ByteOrder.LITTLE_ENDIAN;
    for (int i = 0; i < size; i++) {
      int shift = 8 * (little ? i : size - 1 - i);
      bytes[i] = (byte) (bits >>> shift);
    }
    try {
      file.seek(offset);
      file.write(bytes, 0, size);
    } catch (IOException e) {
      throw NpyAccessException.writeFailed(path, offset, e);
    }
  }

  /**
   * Makes the written elements durable: syncs the file's data to the device.
   *
   * @throws NpyAccessException naming the file when the sync fails
   */
  void force() {
    try {
      file.getFD().sync();
    } catch (IOException e) {
      throw NpyAccessException.writeFailed(path, -1, e);
    }
  }
}
