package dev.memflux.core;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A tiny tmpfs mounted for a test, to make a disk fill up. Needs root and {@code mount}; the test
 * is skipped, saying why, when the machine does not allow it.
 */
final class SmallTmpfs {

  private SmallTmpfs() {}

  /** Mounts a tmpfs of {@code size} (mount's syntax, e.g. {@code 1m}) at {@code dir}. */
  static Path mount(Path dir, String size) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String result = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
    assumeThat(result)
        .as("a small tmpfs (needs root and mount) is not available: %s", result)
        .isEmpty();
    return dir;
  }

  /** Unmounts what {@link #mount} mounted; a no-op when it is not a mount point. */
  static void unmount(Path dir) throws IOException, InterruptedException {
    run("umount", dir.toString());
  }

  /** Runs a command; returns "" on success, else its status and output. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.getMessage();
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", command) + " timed out";
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    return p.exitValue() == 0 ? "" : "status " + p.exitValue() + ": " + out;
  }
}
