package dev.memflux.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A read or write through a live mapping failed at run time, typically because the file was
 * truncated or replaced by another process while it was mapped. The JVM reports such a fault as an
 * {@link InternalError}; memflux turns it into this exception, naming the file, so the caller can
 * fail the load instead of the process.
 */
public class NpyAccessException extends UncheckedIOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

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
  public NpyAccessException(Path file, String detail, Throwable cause) {
    super(
        new IOException(
            file
                + ": mapped access failed: the file was truncated or changed while mapped ("
                + detail
                + ")",
            cause));
    this.file = file;
  }

  /** The file whose mapping could not be read. */
  public Path file() {
    return file;
  }

  @Override
  public String getMessage() {
    return getCause().getMessage();
  }
}
