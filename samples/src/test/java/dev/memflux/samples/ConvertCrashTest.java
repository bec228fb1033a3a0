package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.ChildJvm;
import dev.memflux.samples.data.IdxFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16.3: {@code memflux convert} killed with SIGKILL left a full-size .npy with a zero tail,
 * which numpy and {@code inspect} accepted. Now the destination holds, after a kill at any moment,
 * either the previous file or the complete new one, never anything between.
 */
class ConvertCrashTest {

  static final int TRIALS = 12;

  /** 2M labels widened to int64: a 16 MB output, so that kills land while it is written. */
  static final int LABELS = 2_000_000;

  @TempDir Path dir;

  @Test
  void aConvertKilledAtAnyMomentLeavesTheOldFileOrTheWholeNewOne() throws Exception {
    Path in = IdxFixtures.write(dir.resolve("labels.idx"), IdxFixtures.labels(LABELS));
    Path out = dir.resolve("out.npy");
    Path reference = dir.resolve("reference.npy");
    Path old = dir.resolve("old.npy");
    // The complete new output, and how long a convert takes here from start to exit.
    long start = System.nanoTime();
    assertThat(convert(in, reference, "reference").exitStatus(Duration.ofSeconds(120))).isZero();
    long convertMillis = (System.nanoTime() - start) / 1_000_000;
    Path small = IdxFixtures.write(dir.resolve("small.idx"), IdxFixtures.labels(7));
    assertThat(convert(small, old, "old").exitStatus(Duration.ofSeconds(120))).isZero();
    byte[] oldBytes = Files.readAllBytes(old);

    SplittableRandom random = new SplittableRandom(0x16_03L);
    int keptOld = 0;
    int complete = 0;
    int killedMidWrite = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      Files.write(out, oldBytes);
      ChildJvm child = convert(in, out, "trial-" + trial);
      if (trial % 2 == 0) {
        // Any moment of the run: JVM start, reading, writing, renaming, exiting.
        Thread.sleep(random.nextLong(convertMillis + 1));
      } else {
        // A moment while the new file is written: once its temporary file is there.
        while (temporaryFiles().isEmpty() && child.isAlive()) {
          Thread.sleep(1);
        }
        Thread.sleep(random.nextLong(convertMillis / 4 + 1));
      }
      if (!temporaryFiles().isEmpty() && child.isAlive()) {
        killedMidWrite++;
      }
      child.kill();
      if (Files.mismatch(out, old) == -1L) {
        keptOld++;
      } else {
        assertThat(Files.mismatch(out, reference))
            .as(
                "trial %d: %s is neither the old file nor the new one; child: %s",
                trial, out, child.output())
            .isEqualTo(-1L);
        complete++;
      }
      try (NpyArray a = NpyArray.open(out)) {
        assertThat(a.rows()).isIn(7L, (long) LABELS);
      }
    }
    System.out.printf(
        "ConvertCrash: %d kills (%d while writing), %d ms a convert; %d left the old file, %d the"
            + " complete new one%n",
        TRIALS, killedMidWrite, convertMillis, keptOld, complete);
    assertThat(killedMidWrite).as("kills while the new file was being written").isPositive();

    // A kill leaves at most the dead writer's temporary file, which the next convert removes.
    assertThat(temporaryFiles()).hasSizeLessThanOrEqualTo(1);
    assertThat(convert(in, out, "final").exitStatus(Duration.ofSeconds(120))).isZero();
    assertThat(Files.mismatch(out, reference)).isEqualTo(-1L);
    assertThat(temporaryFiles()).isEmpty();
  }

  private ChildJvm convert(Path in, Path out, String name) throws IOException {
    return ChildJvm.start(
        dir.resolve(name + ".log"),
        List.of(),
        Main.class,
        "convert",
        "idx",
        in.toString(),
        out.toString(),
        "--labels-int64");
  }

  private List<String> temporaryFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(".out.npy."))
          .toList();
    }
  }
}
