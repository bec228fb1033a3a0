package dev.memflux.samples.data;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Checks an input path before it is opened. Opening a FIFO for reading blocks until a writer comes,
 * which for a command line means forever; a directory or a device is no array either. So every file
 * a command reads is checked here first, and anything but a regular file (after following symbolic
 * links) is refused with a message naming it.
 *
 * <pre>{@code
 * InputFiles.requireRegular(Path.of("train_x.npy"));   // "/tmp/fifo: not a regular file"
 * }</pre>
 */
public final class InputFiles {

  private InputFiles() {}

  /**
   * Returns {@code file} when it is a regular file, or a symbolic link to one.
   *
   * @throws NoSuchFileException naming the file when it does not exist
   * @throws FileSystemException naming the file when it is a directory ("is a directory") or
   *     anything else that is not a regular file, such as a FIFO or a device ("not a regular file")
   */
  @CanIgnoreReturnValue
  public static Path requireRegular(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    if (attributes.isRegularFile()) {
      return file;
    }
    throw new FileSystemException(
        file.toString(), null, attributes.isDirectory() ? "is a directory" : "not a regular file");
  }

  /**
   * Whether {@code file} starts as a ZIP archive does (an .npz): with a local header, or, empty,
   * with the end record.
   */
  public static boolean isZip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(4);
      return head.length == 4
          && head[0] == 'P'
          && head[1] == 'K'
          && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
    }
  }
}
