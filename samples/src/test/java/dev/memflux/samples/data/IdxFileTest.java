package dev.memflux.samples.data;

import static dev.memflux.samples.data.IdxFixtures.gzip;
import static dev.memflux.samples.data.IdxFixtures.idx;
import static dev.memflux.samples.data.IdxFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.Fifo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

  @TempDir Path dir;

  @Test
  void detectsGzipByItsMagicNotByTheName() throws IOException {
    Path gzNamedPlain = write(dir.resolve("labels"), gzip(IdxFixtures.labels(10)));
    Path plainNamedGz = write(dir.resolve("labels.gz"), IdxFixtures.labels(10));
    for (Path in : List.of(gzNamedPlain, plainNamedGz)) {
      try (IdxFile idx = IdxFile.open(in)) {
        assertThat(idx.shape()).containsExactly(10);
      }
    }
  }

  @Test
  void badMagicNamesFileOffsetAndBytesFound() throws IOException {
    Path in = write(dir.resolve("bad.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOfSatisfying(
            IdxFile.FormatException.class,
            e -> {
              assertThat(e.offset()).isZero();
              assertThat(e.file()).isEqualTo(in);
            })
        .hasMessageContaining(in.toString())
        .hasMessageContaining("at byte 0")
        .hasMessageContaining("expected IDX magic")
        .hasMessageContaining("found 0x934E554D");
  }

  @Test
  void unsupportedTypeCodeIsNamed() throws IOException {
    Path in = write(dir.resolve("t"), idx(0x0A, new int[] {1}, new byte[] {0}));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte 2")
        .hasMessageContaining("found 0x0A");
  }

  @Test
  void truncatedPlainFileFailsAtOpen() throws IOException {
    byte[] full = IdxFixtures.images(2, 4);
    Path in = write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 5));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte " + (full.length - 5))
        .hasMessageContaining("expected 32 data bytes for shape (2, 4, 4) of U1")
        .hasMessageContaining("found end of file");
  }

  @Test
  void truncatedHeaderIsReported() throws IOException {
    Path in = write(dir.resolve("hdr"), new byte[] {0, 0, 8, 3, 0, 0});
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte 6")
        .hasMessageContaining("expected 3 big-endian dimensions, found end of file");
  }

  @Test
  void everyTypeCodeIsRecognised() throws IOException {
    for (IdxFile.Type type : IdxFile.Type.values()) {
      Path in =
          write(
              dir.resolve("t" + type),
              idx(type.code(), new int[] {2, 3}, new byte[6 * type.size()]));
      try (IdxFile idx = IdxFile.open(in)) {
        assertThat(idx.type()).isEqualTo(type);
        assertThat(idx.shape()).containsExactly(2, 3);
        assertThat(idx.count()).isEqualTo(6);
      }
    }
  }

  @Test
  void readsTheElementsInOrderAsStoredAndOnlyOnce() throws IOException {
    Path in = write(dir.resolve("y.gz"), gzip(IdxFixtures.labels(12)));
    try (IdxFile idx = IdxFile.open(in)) {
      byte[] chunk = new byte[8];
      idx.read(chunk, 8);
      assertThat(chunk).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
      assertThat(idx.remaining()).isEqualTo(4);
      idx.read(chunk, 4);
      assertThat(Arrays.copyOf(chunk, 4)).containsExactly(8, 9, 0, 1);
      assertThat(idx.remaining()).isZero();
      assertThatThrownBy(() -> idx.read(chunk, 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("1 elements asked for, 0 left unread");
    }
  }

  @Test
  void truncatedGzipDataFailsWhileReading() throws IOException {
    byte[] full = IdxFixtures.images(2, 4);
    Path in = write(dir.resolve("cut.gz"), gzip(Arrays.copyOf(full, full.length - 5)));
    try (IdxFile idx = IdxFile.open(in)) {
      assertThatThrownBy(() -> idx.read(new byte[32], 32))
          .isInstanceOf(IdxFile.FormatException.class)
          .hasMessageContaining(in + ": at byte " + (full.length - 5) + " of the decompressed data")
          .hasMessageContaining("expected 32 data bytes for shape (2, 4, 4) of U1")
          .hasMessageContaining("found end of file");
    }
  }

  @Test
  void cutOffGzipStreamIsAFormatError() throws IOException {
    byte[] gz = gzip(IdxFixtures.images(20, 8));
    Path in = write(dir.resolve("cut2.gz"), Arrays.copyOf(gz, gz.length / 2));
    try (IdxFile idx = IdxFile.open(in)) {
      assertThatThrownBy(() -> idx.read(new byte[20 * 64], 20 * 64))
          .isInstanceOf(IdxFile.FormatException.class)
          .hasMessageContaining(in.toString())
          .hasMessageContaining("damaged gzip data");
    }
  }

  @Test
  void dimensionsWhoseProductOverflowsAreRefusedAtOpen() throws IOException {
    // 2^29 * 2^30 fits the check's bound; times 2^32 - 1 it would wrap if multiplied first
    Path in = write(dir.resolve("huge"), idx(0x08, new int[] {1 << 29, 1 << 30, -1}, new byte[0]));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte 12")
        .hasMessageContaining("expected dimensions whose product fits a file")
        .hasMessageContaining("found shape (536870912, 1073741824, 4294967295)");
  }

  @Test
  void bytesAfterTheDataOfAPlainFileAreRefusedAtOpen() throws IOException {
    byte[] full = IdxFixtures.images(2, 4); // 16-byte header + 32 data bytes
    Path in = write(dir.resolve("long"), Arrays.copyOf(full, full.length + 3));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessage(
            in
                + ": at byte 48: expected the end of the file after 32 data bytes for shape"
                + " (2, 4, 4) of U1 (48 bytes in all), found 3 more bytes (51 in all)");
  }

  @Test
  void bytesAfterTheDataOfAGzipFileAreRefusedWhenTheLastElementIsRead() throws IOException {
    byte[] full = IdxFixtures.labels(10);
    Path in = write(dir.resolve("long.gz"), gzip(Arrays.copyOf(full, full.length + 1000)));
    try (IdxFile idx = IdxFile.open(in)) {
      byte[] chunk = new byte[10];
      idx.read(chunk, 9);
      assertThatThrownBy(() -> idx.read(chunk, 1))
          .isInstanceOf(IdxFile.FormatException.class)
          .hasMessage(
              in
                  + ": at byte 18 of the decompressed data: expected the end of the file after 10"
                  + " data bytes for shape (10,) of U1 (18 bytes in all), found 1000 more bytes"
                  + " (1018 in all)");
    }
  }

  @Test
  void bytesAfterAnEmptyGzipArrayAreRefusedAtOpen() throws IOException {
    Path in = write(dir.resolve("empty.gz"), gzip(idx(0x08, new int[] {0}, new byte[] {7})));
    assertThatThrownBy(() -> IdxFile.open(in))
        .isInstanceOf(IdxFile.FormatException.class)
        .hasMessageContaining("at byte 8 of the decompressed data")
        .hasMessageEndingWith("found 1 more byte (9 in all)");
  }

  @Test
  void aFifoIsRefusedBeforeItIsOpened() throws Exception {
    Path fifo = Fifo.make(dir.resolve("images.gz"));
    Throwable thrown =
        Fifo.within(
            "IdxFile.open",
            () -> {
              try (IdxFile idx = IdxFile.open(fifo)) {
                return null;
              } catch (IOException e) {
                return e;
              }
            });
    assertThat(thrown).isNotNull().hasMessage(fifo + ": not a regular file");
  }

  @Test
  void aDirectoryIsRefusedAsSuch() {
    assertThatThrownBy(() -> IdxFile.open(dir))
        .isInstanceOf(IOException.class)
        .hasMessage(dir + ": is a directory");
  }
}
