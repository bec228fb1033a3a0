package dev.memflux.core;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a valid .npy array memflux can read. The message names the file, the byte
 * offset, what was expected and what was found.
 */
public class NpyFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;

  /**
   * @param file the file being read
   * @param offset byte offset in the file where the problem was found
   * @param expected what the format requires there
   * @param found what the file holds instead
   */
  public NpyFormatException(Path file, long offset, String expected, String found) {
    super(file + ": at byte " + offset + ": expected " + expected + ", found " + found);
    this.file = file;
    this.offset = offset;
  }

  /** The file that failed to parse. */
  public Path file() {
    return file;
  }

  /** Byte offset of the problem within the file. */
  public long offset() {
    return offset;
  }
}
