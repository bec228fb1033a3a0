package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.memflux.core.testing.ChildJvm;
import dev.memflux.core.testing.Fifo;
import dev.memflux.core.testing.SmallDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What used to go wrong around an array's file (issue 16): a file re-created under a reader, a full
 * disk under a writable array, a row view read after close, a FIFO given to open. Each test
 * reproduced its problem before the fix.
 */
class NpyArrayHazardTest {

  @TempDir Path dir;

  /** Keeps test allocations alive so the JIT cannot drop them. */
  static volatile Object sink;

  private static void fill(NpyArray a, long base) {
    for (long r = 0; r < a.rows(); r++) {
      a.setLong(base + r, r);
    }
  }

  @Test
  void recreatingAFileLeavesItsReadersTheOldBytes() throws IOException {
    Path file = dir.resolve("x.npy");
    try (NpyArray old = NpyArray.create(file, DType.INT64, new long[] {1000})) {
      fill(old, 7);
    }
    try (NpyArray reader = NpyArray.open(file);
        NpyArray recreated = NpyArray.create(file, DType.INT64, new long[] {1000})) {
      // The old inode is untouched: before, create truncated it and the reader got zeros.
      for (long r = 0; r < 1000; r += 37) {
        assertThat(reader.getLong(r)).isEqualTo(7 + r);
      }
      assertThat(recreated.getLong(999)).isZero();
      recreated.setLong(5, 999);
      assertThat(reader.getLong(999)).isEqualTo(7 + 999);
    }
    try (NpyArray reopened = NpyArray.open(file)) {
      assertThat(reopened.getLong(999)).isEqualTo(5);
    }
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("x.npy");
    }
  }

  @Test
  void creatingThroughASymbolicLinkKeepsTheLinkAndReplacesItsTarget() throws IOException {
    Path target = dir.resolve("data.npy");
    try (NpyArray old = NpyArray.create(target, DType.INT32, new long[] {4})) {
      fill(old, 1);
    }
    Path link = Files.createSymbolicLink(dir.resolve("link.npy"), target.getFileName());
    try (NpyArray a = NpyArray.create(link, DType.INT32, new long[] {6})) {
      fill(a, 100);
    }
    assertThat(Files.isSymbolicLink(link)).isTrue();
    try (NpyArray a = NpyArray.open(target)) {
      assertThat(a.shape()).containsExactly(6);
      assertThat(a.getLong(5)).isEqualTo(105);
    }
  }

  @Test
  void aFullDiskFailsTheWriteNamingTheFileAndLeavesNoStrayFault() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    try (SmallDisk disk = SmallDisk.mount(small, "1m");
        NpyArray a =
            NpyArray.create(small.resolve("big.npy"), DType.INT64, new long[] {8L << 20})) {
      Throwable failure = null;
      // Before: a store into the sparse mapping faulted, and the InternalError surfaced later in
      // unrelated code (the loop itself), outside any handler of NpyArray.
      for (long i = 0; i < a.rows() && failure == null; i += 512) {
        long at = i;
        failure = catchThrowable(() -> a.setLong(at, at));
      }
      assertThat(failure)
          .isInstanceOf(NpyAccessException.class)
          .hasMessageContaining(a.path().toString())
          .hasMessageContaining("No space left on device");
      assertThatCode(
              () -> {
                for (int i = 0; i < 64; i++) {
                  sink = new byte[1 << 22];
                }
              })
          .doesNotThrowAnyException();
      assertThat(a.getLong(0)).isZero();
    }
  }

  @Test
  void aCreateThatFailsLeavesTheOldFile() throws Exception {
    Path small = Files.createDirectories(dir.resolve("full"));
    try (SmallDisk disk = SmallDisk.mount(small, "64k")) {
      Path file = small.resolve("x.npy");
      try (NpyArray old = NpyArray.create(file, DType.INT64, new long[] {16})) {
        fill(old, 3);
      }
      try {
        Files.write(small.resolve("filler"), new byte[64 << 10]);
      } catch (IOException expected) {
        // the disk is full now, as intended
      }
      assertThatThrownBy(() -> NpyArray.create(file, DType.INT64, new long[] {16}))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
      try (NpyArray a = NpyArray.open(file)) {
        assertThat(a.getLong(15)).isEqualTo(18);
      }
      try (var entries = Files.list(small)) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("x.npy", "filler");
      }
    }
  }

  @Test
  void aRowViewReadAfterCloseReadsTheFileInsteadOfCrashingTheJvm() throws Exception {
    Path file = dir.resolve("rows.npy");
    try (NpyArray a = NpyArray.create(file, DType.INT32, new long[] {4096, 256})) {
      for (long r = 0; r < a.rows(); r += 1000) {
        a.setLong(r * 3, r, 255);
      }
      a.force();
    }
    // In a child JVM: before the fix this read SIGSEGV'd, killing the JVM that ran it.
    ChildJvm child =
        ChildJvm.start(dir.resolve("child.log"), ViewAfterClose.class, file.toString());
    int status = child.exitStatus(Duration.ofSeconds(60));
    String out = child.output();
    assertThat(status).as("child exit status; output: %s", out).isZero();
    assertThat(out).contains("view after close: 9000");
  }

  /** The child: takes a row view, closes the array, collects garbage, reads the view. */
  public static final class ViewAfterClose {
    public static void main(String[] args) throws IOException {
      ByteBuffer view;
      try (NpyArray a = NpyArray.open(Path.of(args[0]))) {
        view = a.row(3000);
      }
      for (int i = 0; i < 5; i++) {
        System.gc();
      }
      System.out.println("view after close: " + view.getInt(255 * 4));
    }
  }

  @Test
  void aFifoOrADirectoryIsRefusedBeforeOpeningIt() throws Exception {
    Path fifo = dir.resolve("pipe.npy");
    Fifo.make(fifo);
    // Before: open blocked forever waiting for a writer.
    Assertions.assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          assertThatThrownBy(() -> NpyArray.open(fifo))
              .isInstanceOf(IOException.class)
              .hasMessage(fifo + ": not a regular file");
          assertThatThrownBy(() -> NpyArray.openRaw(fifo, DType.UINT8, new long[] {1}, 0))
              .hasMessage(fifo + ": not a regular file");
          assertThatThrownBy(() -> NpyArray.create(fifo, DType.UINT8, new long[] {1}))
              .hasMessage(fifo + ": not a regular file");
        });
    assertThatThrownBy(() -> NpyArray.open(dir))
        .isInstanceOf(IOException.class)
        .hasMessage(dir + ": not a regular file (a directory)");
  }
}
