package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line keeps DJL offline unless the user explicitly allows DJL's download of the
 * PyTorch natives with {@code -Dai.djl.offline=false} (README, "GPU"); telemetry stays off either
 * way.
 */
class DjlDownloadOptInTest {

  @TempDir Path dir;

  @Test
  void explicitOfflineFalseIsKeptAndTelemetryStaysOff() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path output = dir.resolve("probe.txt");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Dai.djl.offline=false",
                "-cp",
                System.getProperty("java.class.path"),
                MainPropertyProbe.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(exited).as("the probe JVM ended within 60 s").isTrue();
    assertThat(Files.readString(output).strip())
        .startsWith("before: false null")
        .endsWith("after: false true");
    assertThat(p.exitValue()).isZero();
  }
}
