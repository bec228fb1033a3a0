package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset several times larger than the Java heap (and the direct-memory limit) streams for a
 * full epoch, sequential and shuffled, in a child JVM with a small heap: no OutOfMemoryError, and
 * the memory the child owns (anonymous RSS) stays small whatever the file size; the file-backed
 * part of its RSS is page cache the kernel lends and reclaims.
 */
class BigFileStreamingTest {

  static final int ROW = 4096;

  @TempDir Path dir;

  @Test
  void aSparseFileLargerThanTheHeapStreamsAFullEpochInAChildJvm() throws Exception {
    stream(1L << 30, "64m", Duration.ofMinutes(2));
  }

  /** {@code mvn test -pl core -Dtest=BigFileStreamingTest -DexcludedGroups=none -Dgroups=slow} */
  @Test
  @Tag("slow")
  void sixGigabytesStreamWithAQuarterGigabyteHeap() throws Exception {
    stream(6L << 30, "256m", Duration.ofMinutes(15));
  }

  void stream(long bytes, String heap, Duration limit) throws Exception {
    long rows = bytes / ROW;
    Path file = dir.resolve("big.npy");
    long marked = 0;
    try (NpyArray a = NpyArray.create(file, DType.UINT8, new long[] {rows, ROW})) {
      // a few marked rows, row 0 among them (never 0: an all-zero gather must not count); the
      // rest stays a hole
      for (long r = 0; r < rows; r += rows / 7) {
        a.setLong(1 + r % 250, r, 0);
        marked++;
      }
      a.force();
    }
    for (String order : new String[] {"sequential", "shuffled"}) {
      long started = System.nanoTime();
      ChildJvm child =
          ChildJvm.start(
              dir.resolve(order + ".log"),
              List.of("-Xmx" + heap, "-XX:MaxDirectMemorySize=64m"),
              Child.class,
              file.toString(),
              order);
      int status = child.exitStatus(limit);
      String out = child.output();
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf(
          "BigFile %d MiB %s -Xmx%s: %.1f s, child says: %s%n",
          bytes >> 20, order, heap, seconds, out.strip());
      assertThat(status).as("child exit status; output: %s", out).isZero();
      assertThat(out)
          .contains("samples=" + rows + " marked=" + marked + " ")
          .doesNotContain("OutOfMemoryError");
      long rssAnonKb = Long.parseLong(out.replaceAll("(?s).*RssAnon=(\\d+).*", "$1"));
      // heap + direct limit + JVM overhead; not the file size
      assertThat(rssAnonKb).as("child anonymous RSS in kB").isLessThan(450_000);
    }
  }

  /** The child: streams one epoch of the file and prints what it read and its memory figures. */
  public static final class Child {
    public static void main(String[] args) throws IOException {
      Path file = Path.of(args[0]);
      boolean shuffled = args[1].equals("shuffled");
      AtomicLong samples = new AtomicLong();
      AtomicLong marked = new AtomicLong();
      try (NpyArray x = NpyArray.open(file)) {
        Loader loader =
            Loader.builder(x)
                .batchSize(256)
                .shuffle(shuffled ? Shuffle.random(1) : Shuffle.none())
                .gatherThreads(2)
                .prefetch(4)
                .build();
        loader
            .batches()
            .doOnNext(
                b -> {
                  try (b) {
                    java.nio.ByteBuffer f = b.field(0);
                    for (int i = 0; i < b.size(); i++) {
                      if (f.get(i * ROW) != 0) {
                        marked.incrementAndGet();
                      }
                    }
                    samples.addAndGet(b.size());
                  }
                })
            .blockLast(Duration.ofMinutes(15));
        if (loader.bufferPool().outstanding() != 0) {
          throw new IllegalStateException("outstanding " + loader.bufferPool().outstanding());
        }
      }
      String status = Files.readString(Path.of("/proc/self/status"));
      System.out.println(
          "samples="
              + samples
              + " marked="
              + marked
              + " VmHWM="
              + field(status, "VmHWM")
              + " VmRSS="
              + field(status, "VmRSS")
              + " RssAnon="
              + field(status, "RssAnon")
              + " RssFile="
              + field(status, "RssFile")
              + " kB");
    }

    static String field(String status, String name) {
      for (String line : status.split("\n", -1)) {
        if (line.startsWith(name + ":")) {
          return line.substring(name.length() + 1).replace("kB", "").strip();
        }
      }
      return "?";
    }
  }
}
