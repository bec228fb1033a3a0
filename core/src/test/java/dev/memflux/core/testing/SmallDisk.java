package dev.memflux.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A tiny tmpfs for disk-full tests. Mounting needs root (or CAP_SYS_ADMIN) on Linux; elsewhere the
 * test is skipped with a message saying why.
 */
public final class SmallDisk implements AutoCloseable {

  private final Path dir;

  private SmallDisk(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of {@code size} (such as "1m") on the empty directory {@code dir}. */
  public static SmallDisk mount(Path dir, String size) throws Exception {
    String result = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
    assumeThat(result)
        .as(
            "disk-full test skipped: cannot mount a %s tmpfs (needs root on Linux): %s",
            size, result)
        .isEqualTo("ok");
    return new SmallDisk(dir);
  }

  @Override
  public void close() throws Exception {
    assertThat(run("umount", dir.toString())).as("umount " + dir).isEqualTo("ok");
  }

  /** "ok", or what went wrong. */
  private static String run(String... command) throws InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.getMessage();
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return command[0] + " did not finish in 30 s";
    }
    try {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.exitValue() == 0 ? "ok" : output.strip() + " (exit " + p.exitValue() + ")";
    } catch (IOException e) {
      return e.getMessage();
    }
  }
}
