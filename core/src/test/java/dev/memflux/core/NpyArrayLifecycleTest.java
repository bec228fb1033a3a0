package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating, writing, closing, misuse, concurrent use and files changing under a live mapping. */
class NpyArrayLifecycleTest {

  @TempDir Path dir;

  /** Keeps test allocations alive so the JIT cannot drop them. */
  static volatile Object sink;

  /** Whether {@code file} appears in this process's memory maps (Linux only). */
  static boolean isMapped(Path file) throws IOException {
    Path maps = Path.of("/proc/self/maps");
    assumeThat(Files.isReadable(maps)).as("needs /proc/self/maps").isTrue();
    String name = file.toRealPath().toString();
    return Files.readAllLines(maps).stream().anyMatch(line -> line.endsWith(name));
  }

  private NpyArray createRamp(String name, DType dtype, long rows, long cols) throws IOException {
    NpyArray a = NpyArray.create(dir.resolve(name), dtype, new long[] {rows, cols});
    for (long r = 0; r < rows; r++) {
      for (long c = 0; c < cols; c++) {
        a.setLong(r * cols + c, r, c);
      }
    }
    return a;
  }

  @Test
  void createdArraysAreWritableAndReopenWithTheSameValues() throws IOException {
    Path file;
    try (NpyArray a = createRamp("ramp.npy", DType.parse(">i4"), 5, 7)) {
      file = a.path();
      a.setDouble(-3.9, 4, 6); // truncates toward zero like numpy
      a.force();
      assertThat(a.version()).isEqualTo("1.0");
    }
    try (NpyArray b = NpyArray.open(file)) {
      assertThat(b.dtype().descr()).isEqualTo(">i4");
      assertThat(b.shape()).containsExactly(5, 7);
      assertThat(b.getLong(2, 3)).isEqualTo(17);
      assertThat(b.getLong(4, 6)).isEqualTo(-3);
      assertThatThrownBy(() -> b.setLong(1, 0, 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("read-only");
    }
  }

  @Test
  void settersConvertAndRangeCheckLikeNumpy() throws IOException {
    try (NpyArray u8 = NpyArray.create(dir.resolve("u8.npy"), DType.parse("<u8"), new long[] {2});
        NpyArray u1 = NpyArray.create(dir.resolve("u1.npy"), DType.UINT8, new long[] {2});
        NpyArray f2 = NpyArray.create(dir.resolve("f2.npy"), DType.FLOAT16, new long[] {2});
        NpyArray b1 = NpyArray.create(dir.resolve("b1.npy"), DType.BOOL, new long[] {2})) {
      u8.setDouble(0x1.fffffffffffffp63, 0);
      assertThat(u8.getDouble(0)).isEqualTo(0x1.fffffffffffffp63);
      u8.setLong(-1, 1); // the 64 bits, as getLong returns them
      assertThat(Long.toUnsignedString(u8.getLong(1))).isEqualTo("18446744073709551615");
      assertThat(u8.getDouble(1)).isEqualTo(0x1p64);
      assertThatThrownBy(() -> u1.setLong(256, 0)).hasMessageContaining("does not fit in |u1");
      assertThatThrownBy(() -> u1.setDouble(-1, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> u1.setDouble(Double.NaN, 0))
          .isInstanceOf(IllegalArgumentException.class);
      u1.setDouble(255.9, 1);
      assertThat(u1.getLong(1)).isEqualTo(255);
      f2.setDouble(1 / 3.0, 0);
      assertThat(f2.getDouble(0)).isEqualTo(0.333251953125);
      f2.setLong(70000, 1);
      assertThat(f2.getDouble(1)).isEqualTo(Double.POSITIVE_INFINITY);
      assertThatThrownBy(() -> f2.getLong(1)).isInstanceOf(ArithmeticException.class);
      b1.setDouble(Double.NaN, 0);
      b1.setLong(0, 1);
      assertThat(b1.getLong(0)).isEqualTo(1);
      assertThat(b1.getDouble(1)).isZero();
    }
  }

  @Test
  void indicesAreCheckedNamingIndexAndShape() throws IOException {
    try (NpyArray a = createRamp("idx.npy", DType.FLOAT32, 3, 4)) {
      assertThatThrownBy(() -> a.getDouble(3, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[3, 0]")
          .hasMessageContaining("(3, 4)");
      assertThatThrownBy(() -> a.getDouble(-1, 0)).hasMessageContaining("negative indices");
      assertThatThrownBy(() -> a.getLong(1)).hasMessageContaining("has 1 axes");
      assertThatThrownBy(() -> a.row(3))
          .hasMessageContaining("row id 3")
          .hasMessageContaining("[0, 3)");
      ByteBuffer dst = ByteBuffer.allocate(64);
      assertThatThrownBy(() -> a.gather(new long[] {0, 7}, 0, 2, dst))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("row id 7");
      assertThatThrownBy(() -> a.gather(new long[] {0, 1}, 1, 2, dst))
          .hasMessageContaining("from 1 and count 2");
      assertThatThrownBy(() -> a.gather(new long[] {0, 1, 2, 0, 1}, 0, 5, dst))
          .hasMessageContaining("64 bytes remaining");
      assertThat(dst.position()).isZero();
    }
  }

  @Test
  void closeIsIdempotentUnmapsAndLaterUseThrows() throws IOException {
    NpyArray a = createRamp("close.npy", DType.INT64, 4, 4);
    assertThat(isMapped(a.path())).isTrue();
    a.close();
    a.close();
    assertThat(a.isOpen()).isFalse();
    assertThat(isMapped(a.path())).isEqualTo(!Unmapper.isSupported());
    assertThat(a.shape()).containsExactly(4, 4); // metadata stays available
    ByteBuffer dst = ByteBuffer.allocate(32);
    assertThatThrownBy(() -> a.getDouble(0, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.getLong(0, 0)).hasMessageContaining("closed");
    assertThatThrownBy(() -> a.setLong(1, 0, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.row(0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.gather(new long[] {0}, 0, 1, dst))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(a::force).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void nothingStaysMappedWhenOpeningFails() throws IOException {
    Path file;
    try (NpyArray a = createRamp("trunc.npy", DType.INT64, 4, 4)) {
      file = a.path();
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 8);
    }
    assertThatThrownBy(() -> NpyArray.open(file)).isInstanceOf(NpyFormatException.class);
    assertThatThrownBy(() -> NpyArray.openRaw(file, DType.INT64, new long[] {100}, 0))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("(100,)")
        .hasMessageContaining("needs 800 bytes");
    assertThat(isMapped(file)).isFalse();
  }

  @Test
  void openRawRejectsBadArgumentsNamingThem() throws IOException {
    Path file = Files.write(dir.resolve("raw.bin"), new byte[64]);
    assertThatThrownBy(() -> NpyArray.openRaw(file, DType.UINT8, new long[] {-1}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[-1]");
    assertThatThrownBy(() -> NpyArray.openRaw(file, DType.UINT8, new long[] {8}, -2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-2")
        .hasMessageContaining(file.toString());
    assertThatThrownBy(
            () -> NpyArray.openRaw(file, DType.INT64, new long[] {1L << 40, 1L << 40}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overflows");
    try (NpyArray a = NpyArray.openRaw(file, DType.UINT8, new long[] {2, 4}, 56)) {
      assertThat(a.version()).isEqualTo("raw");
      assertThat(a.row(1).remaining()).isEqualTo(4);
    }
  }

  @Test
  void truncationUnderALiveMappingFailsTheReadNotTheJvm() throws IOException {
    try (NpyArray a = createRamp("shrink.npy", DType.INT32, 64, 1024)) {
      a.force();
      try (FileChannel ch = FileChannel.open(a.path(), StandardOpenOption.WRITE)) {
        ch.truncate(4096);
      }
      ByteBuffer dst = ByteBuffer.allocateDirect(8 * 4096);
      assertThatThrownBy(() -> a.gather(new long[] {40, 41, 50, 60}, 0, 4, dst))
          .isInstanceOf(NpyAccessException.class)
          .hasMessageContaining(a.path().toString())
          .hasMessageContaining("truncated or changed while mapped");
      assertThatThrownBy(() -> a.getDouble(63, 0)).isInstanceOf(NpyAccessException.class);
      // Even the surviving first page reports it: the array as a whole no longer exists.
      assertThatThrownBy(() -> a.getLong(0, 5)).hasMessageContaining("has 4096 bytes");
      // No stray asynchronous InternalError is left to surface later in unrelated code.
      assertThatCode(
              () -> {
                for (int i = 0; i < 64; i++) {
                  sink = new byte[1 << 22];
                }
              })
          .doesNotThrowAnyException();
    }
  }

  @Test
  void concurrentGathersAreSafeAndCloseWaitsForThem() throws Exception {
    int rows = 512;
    int cols = 256;
    NpyArray a = createRamp("conc.npy", DType.parse(">i4"), rows, cols);
    int threads = 4;
    CountDownLatch started = new CountDownLatch(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong closedSeen = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      Thread worker =
          new Thread(
              () -> {
                long[] ids = new long[64];
                ByteBuffer dst =
                    ByteBuffer.allocateDirect(64 * cols * 4).order(ByteOrder.nativeOrder());
                started.countDown();
                for (int iter = 0; ; iter++) {
                  for (int i = 0; i < ids.length; i++) {
                    ids[i] = (i * 31L + iter * 7L + seed) % rows;
                  }
                  dst.clear();
                  try {
                    a.gather(ids, 0, ids.length, dst);
                  } catch (IllegalStateException closed) {
                    closedSeen.incrementAndGet();
                    return;
                  }
                  for (int i = 0; i < ids.length; i++) {
                    int first = dst.getInt(i * cols * 4);
                    if (first != ids[i] * cols) {
                      failure.compareAndSet(
                          null, new AssertionError("row " + ids[i] + ": " + first));
                      return;
                    }
                  }
                }
              },
              "gather-" + t);
      workers.add(worker);
      worker.start();
    }
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200);
    a.close();
    for (Thread w : workers) {
      w.join(10_000);
      assertThat(w.isAlive()).isFalse();
    }
    assertThat(failure.get()).isNull();
    assertThat(closedSeen.get()).isEqualTo(threads);
    assertThat(isMapped(a.path())).isEqualTo(!Unmapper.isSupported());
  }

  @Test
  void mapFailuresCarryAddressSpaceAdvice() {
    IOException mapFailed = new IOException("Map failed", new OutOfMemoryError("Map failed"));
    IOException advice = MappedChunks.mapFailure(Path.of("big.npy"), 4096, 1 << 30, mapFailed);
    assertThat(advice)
        .hasMessageContaining("big.npy")
        .hasMessageContaining("ulimit -v")
        .hasMessageContaining("vm.max_map_count")
        .hasCause(mapFailed);
    IOException other = new IOException("Input/output error");
    assertThat(MappedChunks.mapFailure(Path.of("x"), 0, 1, other)).isSameAs(other);
  }

  @Test
  void createdFilesLoadInNumpy() throws Exception {
    Path file;
    try (NpyArray a = createRamp("np.npy", DType.parse(">f2"), 3, 5)) {
      file = a.path();
      a.force();
    }
    String script =
        "import numpy as np, sys; a = np.load(sys.argv[1]);"
            + " assert a.dtype.str == '>f2' and a.shape == (3, 5), (a.dtype, a.shape);"
            + " assert (a == np.arange(15).reshape(3, 5)).all(), a; print('ok')";
    // Output goes to a file, read once the child has ended: a hung child fails the wait.
    Path log = file.resolveSibling("python.log");
    Process p;
    try {
      p =
          new ProcessBuilder("python3", "-c", script, file.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      assumeThat(false).as("python3 is not available: " + e.getMessage()).isTrue();
      return;
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("python3 did not finish within 60 s: " + Files.readString(log));
    }
    String output = Files.readString(log).strip();
    assumeThat(output).as("numpy is not installed for python3").doesNotContain("No module named");
    assertThat(output).isEqualTo("ok");
    assertThat(p.exitValue()).isZero();
    try (NpyArray b = NpyArray.open(file)) {
      assertThat(b.getDouble(2, 4)).isEqualTo(14.0);
    }
  }
}
