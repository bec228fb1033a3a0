package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.ChildJvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16.3: a writer killed with SIGKILL at a random moment leaves at the destination either the
 * previous array or a complete new one, never a full-size array with a zero-filled tail.
 */
class NpyWriterCrashTest {

  static final int ROWS = 4096;
  static final int COLS = 128;

  /** Larger than any element index, so an element names its generation and position. */
  static final long GENERATION_STRIDE = 1_000_003L;

  static final int TRIALS = 24;

  @TempDir Path dir;

  /**
   * The child: rewrites the destination as generation 1, 2, 3, ... until killed, printing "ready"
   * first and "committed G" after each.
   */
  public static final class Writer {
    public static void main(String[] args) throws IOException {
      Path out = Path.of(args[0]);
      System.out.println("ready");
      for (long g = 1; ; g++) {
        write(out, g);
        System.out.println("committed " + g);
      }
    }
  }

  static void write(Path out, long generation) throws IOException {
    try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {ROWS, COLS})) {
      ByteBuffer row = ByteBuffer.allocate(COLS * 8).order(DType.INT64.order());
      for (int r = 0; r < ROWS; r++) {
        row.clear();
        for (int c = 0; c < COLS; c++) {
          row.putLong(generation * GENERATION_STRIDE + (long) r * COLS + c);
        }
        w.put(row.flip());
      }
      w.finish();
    }
  }

  /** The generation the file holds, after checking that every element belongs to it. */
  static long generationOf(Path file) throws IOException {
    try (NpyArray a = NpyArray.open(file)) {
      assertThat(a.shape()).containsExactly(ROWS, COLS);
      long[] ids = new long[ROWS];
      for (int i = 0; i < ROWS; i++) {
        ids[i] = i;
      }
      ByteBuffer all = ByteBuffer.allocate(ROWS * COLS * 8).order(ByteOrder.nativeOrder());
      a.gather(ids, 0, ROWS, all);
      long generation = all.getLong(0) / GENERATION_STRIDE;
      for (int i = 0; i < ROWS * COLS; i++) {
        long expected = generation * GENERATION_STRIDE + i;
        if (all.getLong(i * 8) != expected) {
          throw new AssertionError(
              file
                  + ": element "
                  + i
                  + " is "
                  + all.getLong(i * 8)
                  + ", not "
                  + expected
                  + " of generation "
                  + generation);
        }
      }
      return generation;
    }
  }

  @Test
  void aWriterKilledAtAnyMomentLeavesTheOldFileOrTheWholeNewOne() throws Exception {
    Path out = dir.resolve("data.npy");
    write(out, 0);
    SplittableRandom random = new SplittableRandom(0x16_03L);
    TreeSet<Long> seen = new TreeSet<>();
    long generationMillis = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      ChildJvm child =
          ChildJvm.start(dir.resolve("child-" + trial + ".log"), Writer.class, out.toString());
      if (trial == 0) {
        // How long one generation takes here, so the kills below spread over a whole one.
        child.awaitLine("committed 1", Duration.ofSeconds(60));
        long start = System.nanoTime();
        child.awaitLine("committed 2", Duration.ofSeconds(60));
        generationMillis = Math.max(10, (System.nanoTime() - start) / 1_000_000);
      } else {
        // After 0, 1 or 2 complete generations, a random moment within the next.
        int after = random.nextInt(3);
        child.awaitLine(after == 0 ? "ready" : "committed " + after, Duration.ofSeconds(60));
        Thread.sleep(random.nextLong(generationMillis + 1));
      }
      child.kill();
      try {
        seen.add(generationOf(out));
      } catch (AssertionError e) {
        throw new AssertionError("trial " + trial + ", child printed: " + child.output(), e);
      }
    }
    System.out.printf(
        "NpyWriterCrash: %d kills, %d ms a generation, generations found %s%n",
        TRIALS, generationMillis, seen);
    // Kills landed at different points: the test saw several outcomes.
    assertThat(seen).as("generations found after the kills").hasSizeGreaterThan(1);

    // A kill leaves at most the dead writer's temporary file, which the next write removes.
    assertThat(temporaryFiles()).isLessThanOrEqualTo(1);
    write(out, 99);
    assertThat(generationOf(out)).isEqualTo(99);
    assertThat(temporaryFiles()).isZero();
  }

  private long temporaryFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(".data.npy.")).count();
    }
  }
}
