package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  @TempDir Path dir;

  /**
   * Runs {@link Main#main} in a fresh JVM that starts without the DJL properties (unlike this one,
   * whose surefire configuration sets them) and reports them from a shutdown hook, since main ends
   * in System.exit. The child writes to a file, and is waited for with a timeout before that is
   * read (see {@link ChildJvm}).
   */
  @Test
  void mainSwitchesDjlOfflineAndTelemetryOffBeforeAnythingElse() throws Exception {
    ChildJvm child = ChildJvm.start(dir.resolve("child.log"), List.of(), MainPropertyProbe.class);

    assertThat(child.exitStatus(Duration.ofSeconds(60))).as(child.output()).isZero();
    assertThat(child.output().strip()).startsWith("before: null null").endsWith("after: true true");
  }
}
