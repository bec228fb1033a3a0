package dev.memflux.samples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;

/**
 * A directory this process cannot create files in, for tests of output checks: a read-only
 * directory under {@code tmp}, or, for root (whom permissions do not stop), {@code /sys}, which
 * takes no new files. Skips the test, saying why, when neither works.
 */
public final class Unwritable {

  private Unwritable() {}

  /** A directory that refuses new files; the test is skipped when there is none. */
  public static Path directory(Path tmp) throws IOException {
    Path readOnly = Files.createDirectory(tmp.resolve("read-only"));
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    for (Path candidate : new Path[] {readOnly, Path.of("/sys")}) {
      if (Files.isDirectory(candidate) && !takesFiles(candidate)) {
        return candidate;
      }
    }
    Assumptions.abort("no directory refuses new files here (root, and /sys takes them)");
    throw new AssertionError("unreachable");
  }

  private static boolean takesFiles(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, ".memflux-test-", ".probe"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
