package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MainTest {

  /**
   * Runs {@link Main#main} in a fresh JVM that starts without the DJL properties (unlike this one,
   * whose surefire configuration sets them) and reports them from a shutdown hook, since main ends
   * in System.exit.
   */
  @Test
  void mainSwitchesDjlOfflineAndTelemetryOffBeforeAnythingElse() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                MainPropertyProbe.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output).startsWith("before: null null").endsWith("after: true true");
    assertThat(p.exitValue()).isZero();
  }
}
