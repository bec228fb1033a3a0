package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    ChildJvm child =
        ChildJvm.start(
            dir.resolve("probe.txt"), List.of("-Dai.djl.offline=false"), MainPropertyProbe.class);

    assertThat(child.exitStatus(Duration.ofSeconds(60))).as(child.output()).isZero();
    assertThat(child.output().strip())
        .startsWith("before: false null")
        .endsWith("after: false true");
  }
}
