package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  @TempDir Path dir;

  /**
   * Runs {@link Main#main} in a fresh JVM that starts without the DJL properties (unlike this one,
   * whose surefire configuration sets them) and reports them from a shutdown hook, since main ends
   * in System.exit. The child writes to a file, and is waited for with a timeout before that is
   * read, so a hung child fails the test instead of hanging the build.
   */
  @Test
  void mainSwitchesDjlOfflineAndTelemetryOffBeforeAnythingElse() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = dir.resolve("child.log");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                MainPropertyProbe.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      fail("the child JVM did not end within 60 s; its output:%n%s", Files.readString(log));
    }
    String output = Files.readString(log).strip();
    assertThat(output).startsWith("before: null null").endsWith("after: true true");
    assertThat(p.exitValue()).isZero();
  }
}
