package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sparse file of 5 GiB read through the production 1 GiB windows: rows at and across the 1, 2 and
 * 4 GiB boundaries, where a single Java 17 buffer could not reach.
 */
class NpyArrayLargeFileTest {

  private static final long COLS = 1000;
  private static final long ROWS = (5L << 30) / COLS;

  @TempDir Path dir;
  private Path file;
  private long dataOffset;

  /** Row ids whose bytes cross or touch the 1, 2 and 4 GiB data offsets, and the last row. */
  private static final long[] ROW_IDS = {
    (1L << 30) / COLS, // straddles the first chunk boundary
    (1L << 31) / COLS - 1,
    (1L << 31) / COLS, // straddles 2 GiB
    (1L << 31) / COLS + 1,
    (1L << 32) / COLS, // straddles 4 GiB
    ROWS - 1,
  };

  private static byte expected(long row, long col) {
    return (byte) ((row * 7 + col) % 251);
  }

  @BeforeEach
  void writeSparseFile() throws IOException {
    file = dir.resolve("big.npy");
    try (NpyArray created = NpyArray.create(file, DType.UINT8, new long[] {ROWS, COLS})) {
      assertThat(created.rows()).isEqualTo(ROWS);
      created.setLong(99, ROW_IDS[0], COLS - 1); // a write past 1 GiB
    }
    dataOffset = Files.size(file) - ROWS * COLS;
    byte[] row = new byte[(int) COLS];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      for (long r : ROW_IDS) {
        for (int c = 0; c < COLS; c++) {
          row[c] = expected(r, c);
        }
        raf.seek(dataOffset + r * COLS);
        raf.write(row);
      }
    }
  }

  @AfterEach
  void deleteBigFile() throws IOException {
    Files.deleteIfExists(file);
  }

  @Test
  void gathersViewsAndElementsAcrossGibBoundaries() throws IOException {
    try (NpyArray a = NpyArray.open(file)) {
      assertThat(Files.size(file)).isGreaterThanOrEqualTo(5L << 30);
      ByteBuffer dst = ByteBuffer.allocateDirect((int) (ROW_IDS.length * COLS));
      a.gather(ROW_IDS, 0, ROW_IDS.length, dst);
      for (int i = 0; i < ROW_IDS.length; i++) {
        long r = ROW_IDS[i];
        ByteBuffer view = a.row(r);
        for (int c = 0; c < COLS; c++) {
          assertThat(dst.get(i * (int) COLS + c))
              .as("row %d col %d", r, c)
              .isEqualTo(expected(r, c));
          assertThat(view.get(c)).isEqualTo(expected(r, c));
        }
        assertThat(a.getLong(r, COLS - 1)).isEqualTo(expected(r, COLS - 1) & 0xff);
      }
      long untouched = 3L * (1L << 30) / COLS;
      assertThat(a.getDouble(untouched, 5)).isZero();
    }
  }

  @Test
  void copiesRowsLargerThanTheOverlapPiecewise() throws IOException {
    // 1 MiB chunks with 8 KiB of overlap, so the straddling rows take the piecewise path too.
    try (NpyArray a = NpyArray.open(file, new MappedChunks.Windowing(20, (1 << 20) + 8))) {
      ByteBuffer dst = ByteBuffer.allocate((int) (ROW_IDS.length * COLS));
      a.gather(ROW_IDS, 0, ROW_IDS.length, dst);
      for (int i = 0; i < ROW_IDS.length; i++) {
        for (int c = 0; c < COLS; c++) {
          assertThat(dst.get(i * (int) COLS + c)).isEqualTo(expected(ROW_IDS[i], c));
        }
      }
    }
  }
}
