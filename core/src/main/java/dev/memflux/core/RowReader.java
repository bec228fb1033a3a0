package dev.memflux.core;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads the bytes of one file of an array into caller buffers, elements converted to native byte
 * order: the seam between where rows are ({@link RowLayout}) and how they are read. {@link
 * MappedReader} copies from a memory mapping (zero-copy views; the page cache is the only buffer);
 * {@link FileReader} uses positional reads, through the page cache or around it, so that many reads
 * can be in flight at once for data larger than memory.
 *
 * <p>Offsets are file offsets. Implementations are safe for concurrent use and never move a
 * buffer's position.
 */
interface RowReader {

  /** The file read, as messages name it. */
  Path file();

  /**
   * Copies the {@code length} bytes at file offset {@code offset} into {@code dst} from its index
   * {@code at}, converting elements to native byte order ({@code dst}'s order must be native).
   *
   * @throws NpyAccessException naming the file when the read failed or the file was truncated
   */
  void copy(long offset, ByteBuffer dst, int at, int length);

  /**
   * Confirms that the bytes this thread copied since it last asked are the file's. A mapping whose
   * file shrank may hand out garbage before the fault surfaces, so a mapped reader checks the
   * file's length here, once per batch of copies rather than once per copy; other readers fail at
   * the read itself and have nothing to check.
   *
   * @throws NpyAccessException naming the file when it was truncated under the mapping
   */
  void verify();
}
