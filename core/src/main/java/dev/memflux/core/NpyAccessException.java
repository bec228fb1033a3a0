package dev.memflux.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Reading or writing an open array failed at run time, typically because its file was truncated or
 * replaced by another process while open, or the disk was full. The JVM reports a fault under a
 * live mapping as an {@link InternalError}; memflux turns it, like a failed read or write, into
 * this exception naming the file, so the caller can fail the load instead of the process.
 */
public class NpyAccessException extends UncheckedIOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String message;

  /**
   * @param file the mapped file
   * @param cause the fault the JVM reported for the mapped access (an {@link InternalError})
   */
  public NpyAccessException(Path file, Throwable cause) {
    this(file, String.valueOf(cause.getMessage()), cause);
  }

  /**
   * @param file the mapped file
   * @param detail what was found, e.g. the file's new size
   * @param cause the fault the JVM reported for the mapped access, or null if none surfaced
   */
  public NpyAccessException(Path file, String detail, @Nullable Throwable cause) {
    this(
        file,
        new IOException(
            file
                + ": mapped access failed: the file was truncated or changed while mapped ("
                + detail
                + ")",
            cause));
  }

  private NpyAccessException(Path file, IOException described) {
    super(described);
    this.file = file;
    this.message = String.valueOf(described.getMessage());
  }

  /** A positional read of {@code file} failed or found the file shorter than the array. */
  static NpyAccessException readFailed(Path file, String detail, @Nullable Throwable cause) {
    return new NpyAccessException(
        file,
        new IOException(
            file + ": read failed: the file was truncated or changed while open (" + detail + ")",
            cause));
  }

  /** A write to {@code file} at {@code offset} (negative for a sync) failed. */
  static NpyAccessException writeFailed(Path file, long offset, IOException cause) {
    String what = offset < 0 ? "cannot sync written elements" : "cannot write at byte " + offset;
    return new NpyAccessException(
        file, new IOException(file + ": " + what + ": " + cause.getMessage(), cause));
  }

  /** The file that could not be read or written. */
  public Path file() {
    return file;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
