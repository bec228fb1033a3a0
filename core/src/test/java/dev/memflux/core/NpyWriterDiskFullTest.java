package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16.2 on a full disk: the previous output survives, and the error names the file and the
 * cause. Runs on a 1 MiB tmpfs; skipped where this process may not mount one.
 */
class NpyWriterDiskFullTest {

  @TempDir Path dir;
  SmallDisk disk;
  Path out;
  byte[] before;

  @BeforeEach
  void mountAndWriteAGoodFile() throws Exception {
    disk = SmallDisk.mount(dir, "1m");
    out = dir.resolve("good.npy");
    try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {1000})) {
      for (int i = 0; i < 1000; i++) {
        w.putLong(i);
      }
      w.finish();
    }
    before = Files.readAllBytes(out);
  }

  @AfterEach
  void unmount() throws Exception {
    if (disk != null) {
      disk.close();
    }
  }

  @Test
  void anArrayLargerThanTheFreeSpaceIsRefusedBeforeItIsWritten() throws IOException {
    assertThatThrownBy(() -> NpyWriter.create(out, DType.INT64, new long[] {1 << 18}))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(out + ": cannot write: the file needs 2097280 bytes")
        .hasMessageEndingWith(" free");
    assertIntact();
  }

  @Test
  void runningOutOfSpaceWhileWritingNamesTheFileAndTheCause() throws IOException {
    int rows = 64 * 1024; // 512 KiB: fits what is free when the writer starts
    try (NpyWriter w = NpyWriter.create(out, DType.INT64, new long[] {rows})) {
      // Another writer takes the space meanwhile.
      Files.write(dir.resolve("filler"), new byte[600 * 1024]);
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < rows; i++) {
                  w.putLong(i);
                }
                w.finish();
              })
          .isInstanceOf(IOException.class)
          .hasMessage(out + ": cannot write: No space left on device");
    }
    assertIntact();
  }

  private void assertIntact() throws IOException {
    assertThat(Files.readAllBytes(out)).isEqualTo(before);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file left")
          .doesNotContain(".good.npy.tmp")
          .allMatch(name -> !name.startsWith(".good.npy."));
    }
  }
}
