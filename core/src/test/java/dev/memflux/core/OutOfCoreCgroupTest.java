package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file four times larger than a memory cgroup streams through a loader in a child JVM inside that
 * cgroup, with default settings: the child chooses to read out of core, is not OOM-killed, and
 * every row it gets is the right one, byte for byte, shuffled and in blocks. Needs root and a
 * cgroup memory controller (v1 or v2); skipped, saying why, otherwise.
 */
class OutOfCoreCgroupTest {

  static final long LIMIT = 256L << 20;
  static final int ROW = 12288;
  static final long ROWS = 4 * LIMIT / ROW;

  @TempDir Path dir;

  /** Byte {@code k} of row {@code r}: the row id in its first 8 bytes, then a pattern. */
  static byte expected(long r, int k) {
    return k < 8 ? (byte) (r >>> (8 * k)) : (byte) ((r * 31 + k) % 251);
  }

  @Test
  void aFileFourTimesTheCgroupStreamsWithEveryRowRight() throws Exception {
    Cgroup cgroup = Cgroup.create("memflux-test-ooc-" + ProcessHandle.current().pid(), LIMIT);
    try {
      Path x = dir.resolve("x.npy");
      Path y = dir.resolve("y.npy");
      try (NpyWriter wx = NpyWriter.create(x, DType.UINT8, new long[] {ROWS, ROW});
          NpyWriter wy = NpyWriter.create(y, DType.INT64, new long[] {ROWS})) {
        ByteBuffer row = ByteBuffer.allocate(ROW);
        for (long r = 0; r < ROWS; r++) {
          for (int k = 0; k < ROW; k++) {
            row.put(k, expected(r, k));
          }
          wx.put(row.clear());
          wy.putLong(r);
        }
        wx.finish();
        wy.finish();
      }
      List<String> cmd =
          List.of(
              "sh",
              "-c",
              "echo $$ > " + cgroup.procs() + " && exec \"$0\" \"$@\"",
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx64m",
              "-cp",
              System.getProperty("java.class.path"),
              Child.class.getName(),
              x.toString(),
              y.toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      boolean done = p.waitFor(10, TimeUnit.MINUTES);
      if (!done) {
        p.destroyForcibly();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      System.out.printf(
          "OutOfCoreCgroup %d MiB in %d MiB: %s%n", (ROWS * ROW) >> 20, LIMIT >> 20, out);
      assertThat(done).as("child finished: %s", out).isTrue();
      assertThat(p.exitValue()).as("child status (137: OOM-killed); output: %s", out).isZero();
      assertThat(cgroup.oomKills()).as("OOM kills in the cgroup").isZero();
      assertThat(out)
          .contains("io: out of core")
          .contains("direct reads for x.npy")
          .contains("random: rows=" + ROWS + " wrong=0")
          .contains("blocks: rows=" + ROWS + " wrong=0");
    } finally {
      cgroup.remove();
    }
  }

  /** The child: one shuffled epoch and one of blocks, checking every byte of every row. */
  public static final class Child {
    public static void main(String[] args) throws IOException {
      try (NpyArray x = NpyArray.open(Path.of(args[0]));
          NpyArray y = NpyArray.open(Path.of(args[1]))) {
        for (Shuffle s : List.of(Shuffle.random(3), Shuffle.blocks(171, 3))) {
          Loader loader = Loader.builder(x, y).batchSize(256).shuffle(s).build();
          System.out.println("io: " + loader.io());
          AtomicLong rows = new AtomicLong();
          AtomicLong wrong = new AtomicLong();
          loader
              .batches()
              .doOnNext(
                  b -> {
                    try (b) {
                      ByteBuffer images = b.field(0);
                      ByteBuffer labels = b.field(1);
                      for (int i = 0; i < b.size(); i++) {
                        long id = b.index(i);
                        boolean ok = labels.getLong(i * 8) == id;
                        for (int k = 0; k < ROW && ok; k++) {
                          ok = images.get(i * ROW + k) == expected(id, k);
                        }
                        if (!ok) {
                          wrong.incrementAndGet();
                        }
                        rows.incrementAndGet();
                      }
                    }
                  })
              .blockLast(Duration.ofMinutes(8));
          System.out.println(
              (s.toString().startsWith("random") ? "random" : "blocks")
                  + ": rows="
                  + rows
                  + " wrong="
                  + wrong
                  + " outstanding="
                  + loader.bufferPool().outstanding());
        }
      }
    }
  }

  /** A memory cgroup of this machine's (v2 where it has the memory controller, else v1). */
  record Cgroup(Path dir, boolean v2) {

    static Cgroup create(String name, long limit) throws IOException {
      assumeThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))
          .as("needs root to make a memory cgroup")
          .isEqualTo(0);
      Path v2root = Path.of("/sys/fs/cgroup");
      Path v1root = Path.of("/sys/fs/cgroup/memory");
      boolean v2 =
          Files.isReadable(v2root.resolve("cgroup.controllers"))
              && Files.readString(v2root.resolve("cgroup.controllers")).contains("memory");
      assumeThat(v2 || Files.isDirectory(v1root))
          .as("needs a cgroup memory controller (v2 or v1)")
          .isTrue();
      Cgroup c = new Cgroup((v2 ? v2root : v1root).resolve(name), v2);
      Files.createDirectories(c.dir());
      Files.writeString(
          c.dir().resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(limit));
      return c;
    }

    Path procs() {
      return dir.resolve("cgroup.procs");
    }

    /** Processes the kernel's OOM killer killed in this cgroup. */
    long oomKills() throws IOException {
      Path file = dir.resolve(v2 ? "memory.events" : "memory.oom_control");
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring("oom_kill ".length()).trim());
        }
      }
      return 0;
    }

    /** Removes the cgroup once its processes have gone. */
    void remove() throws IOException, InterruptedException {
      for (int i = 0; i < 100 && Files.exists(dir); i++) {
        try {
          Files.delete(dir);
        } catch (IOException busy) {
          Thread.sleep(100);
        }
      }
    }
  }
}
