package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link NpyArray#slice}, {@link NpyArray#take} and {@link NpyArray#windows} over files numpy wrote
 * ({@code src/test/resources/layouts}: float64 features (20, 4) = arange / 8, an {@code np.memmap}
 * uint16 token file (1000,) = (arange * 7919) % 50000, a Fortran-ordered .npz member), the bad
 * cases, and the closing rules.
 */
class RowViewsTest {

  static final Path FEATURES = LayoutFixtures.path("features.npy");
  static final Path TOKENS = LayoutFixtures.path("tokens.bin");

  static NpyArray tokens() throws IOException {
    return NpyArray.openRaw(TOKENS, DType.parse("<u2"), new long[] {1000}, 0);
  }

  static long token(long i) {
    return (i * 7919) % 50000;
  }

  @Test
  void sliceIsARangeOfRows() throws IOException {
    try (NpyArray x = NpyArray.open(FEATURES)) {
      NpyArray train = x.slice(0, 16);
      NpyArray validation = x.slice(16, 20);
      assertThat(train.shape()).containsExactly(16, 4);
      assertThat(validation.shape()).containsExactly(4, 4);
      assertThat(validation.getDouble(1, 2)).isEqualTo((17 * 4 + 2) / 8.0);
      assertThat(validation.slice(1, 3).getDouble(0, 3)).isEqualTo((17 * 4 + 3) / 8.0);
      assertThat(x.slice(5, 5).rows()).isZero();
      ByteBuffer rows = ByteBuffer.allocate(3 * 32).order(ByteOrder.nativeOrder());
      validation.gather(new long[] {3, 0, 1}, 0, 3, rows);
      assertThat(rows.getDouble(0)).isEqualTo(19 * 4 / 8.0);
      assertThat(rows.getDouble(32)).isEqualTo(16 * 4 / 8.0);
      assertThat(validation.row(2).order(ByteOrder.LITTLE_ENDIAN).getDouble(8))
          .isEqualTo((18 * 4 + 1) / 8.0);
      assertThat(validation.toString())
          .isEqualTo("NpyArray[" + FEATURES + "[16:20], <f8, (4, 4), C, 1.0]");
    }
  }

  @Test
  void takeIsASubsetOfRowsInAnyOrder() throws IOException {
    try (NpyArray x = NpyArray.open(FEATURES)) {
      long[] ids = {19, 0, 7, 7, 3};
      NpyArray subset = x.take(ids);
      ids[0] = 1; // the view keeps its own copy
      assertThat(subset.shape()).containsExactly(5, 4);
      assertThat(subset.getDouble(0, 1)).isEqualTo((19 * 4 + 1) / 8.0);
      ByteBuffer rows = ByteBuffer.allocate(5 * 32).order(ByteOrder.nativeOrder());
      subset.gather(new long[] {0, 1, 2, 3, 4}, 0, 5, rows);
      long[] expected = {19, 0, 7, 7, 3};
      for (int k = 0; k < 5; k++) {
        assertThat(rows.getDouble(k * 32 + 24)).isEqualTo((expected[k] * 4 + 3) / 8.0);
      }
      // a take of a slice, and a slice of a take, compose
      assertThat(x.slice(10, 20).take(new long[] {9, 0}).getDouble(0, 0)).isEqualTo(19 * 4 / 8.0);
      assertThat(subset.slice(1, 3).getDouble(1, 0)).isEqualTo(7 * 4 / 8.0);
      assertThat(x.take(new long[0]).rows()).isZero();
    }
  }

  @Test
  void viewsOfAFortranOrderedArrayGatherInCOrder() throws IOException {
    // fortran: float32 (3, 4) in Fortran order, element (r, c) = 4r + c
    try (NpyArray f = NpyArray.openNpz(LayoutFixtures.path("data.npz"), "fortran")) {
      NpyArray rows = f.take(new long[] {2, 0}).slice(0, 1);
      assertThat(rows.fortranOrder()).isTrue();
      assertThat(rows.getDouble(0, 3)).isEqualTo(11);
      ByteBuffer out = ByteBuffer.allocate(2 * 16).order(ByteOrder.nativeOrder());
      f.take(new long[] {2, 0}).gather(new long[] {0, 1}, 0, 2, out);
      assertThat(List.of(out.getFloat(0), out.getFloat(12), out.getFloat(16), out.getFloat(28)))
          .containsExactly(8f, 11f, 0f, 3f);
      assertThatThrownBy(() -> rows.row(0))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("row views need C order");
      assertThatThrownBy(() -> f.windows(2, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("it is in Fortran order (np.ascontiguousarray makes it C order)");
    }
  }

  @Test
  void windowsOfANumpyMemmapTokenFile() throws IOException {
    try (NpyArray tokens = tokens()) {
      NpyArray windows = tokens.windows(129, 1);
      assertThat(windows.shape()).containsExactly(1000 - 129 + 1, 129);
      assertThat(windows.dtype()).isEqualTo(DType.parse("<u2"));
      assertThat(windows.getLong(871, 128)).isEqualTo(token(999));
      long[] ids = {500, 3, 871, 4};
      ByteBuffer rows = ByteBuffer.allocate(4 * 129 * 2).order(ByteOrder.nativeOrder());
      windows.gather(ids, 0, 4, rows);
      for (int k = 0; k < 4; k++) {
        for (int j = 0; j < 129; j++) {
          assertThat(rows.getShort((k * 129 + j) * 2) & 0xffff).isEqualTo(token(ids[k] + j));
        }
      }
      // next-token pairs: y is x moved on by one token
      NpyArray x = tokens.slice(0, 999).windows(128, 1);
      NpyArray y = tokens.slice(1, 1000).windows(128, 1);
      assertThat(x.rows()).isEqualTo(y.rows()).isEqualTo(872);
      assertThat(y.getLong(40, 127)).isEqualTo(x.getLong(41, 127)).isEqualTo(token(168));
      // stride: every 4th offset, windows 16 long
      NpyArray strided = tokens.windows(16, 4);
      assertThat(strided.rows()).isEqualTo((1000 - 16) / 4 + 1);
      assertThat(strided.getLong(10, 3)).isEqualTo(token(43));
      assertThat(strided.row(246).order(ByteOrder.LITTLE_ENDIAN).getShort(30) & 0xffff)
          .isEqualTo(token(999));
    }
  }

  @Test
  void windowsOfRowsKeepTheRowShape() throws IOException {
    try (NpyArray x = NpyArray.open(FEATURES)) {
      NpyArray series = x.windows(5, 3);
      assertThat(series.shape()).containsExactly(6, 5, 4);
      assertThat(series.getDouble(2, 4, 1)).isEqualTo(((6 + 4) * 4 + 1) / 8.0);
      assertThat(x.windows(20, 1).rows()).isEqualTo(1);
      assertThat(x.windows(4, 4).take(new long[] {4}).getDouble(0, 3, 3)).isEqualTo(79 / 8.0);
    }
  }

  @Test
  void badRangesIdsAndWindowsAreRefusedNamingTheValues() throws IOException {
    try (NpyArray x = NpyArray.open(FEATURES);
        NpyArray tokens = tokens();
        NpyArray scalar = NpyArray.openNpz(LayoutFixtures.path("data.npz"), "scalar");
        NpyArray shards = NpyArray.openShards(ShardsTest.shards())) {
      assertThatThrownBy(() -> x.slice(5, 21))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "slice(5, 21) is out of range for the 20 rows of "
                  + FEATURES
                  + ": it needs 0 <= from <= to <= 20");
      assertThatThrownBy(() -> x.slice(-1, 3)).hasMessageStartingWith("slice(-1, 3) is out of");
      assertThatThrownBy(() -> x.slice(4, 3)).hasMessageStartingWith("slice(4, 3) is out of");
      assertThatThrownBy(() -> x.take(new long[] {0, 20}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "take: ids[1] = 20 is out of range [0, 20) of "
                  + FEATURES
                  + " (negative ids are not supported)");
      assertThatThrownBy(() -> tokens.windows(1001, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "windows(1001, 1): a window of 1001 is longer than the 1000 elements of " + TOKENS);
      assertThatThrownBy(() -> tokens.slice(0, 10).windows(11, 1))
          .hasMessage(
              "windows(11, 1): a window of 11 is longer than the 10 elements of "
                  + TOKENS
                  + "[0:10]");
      assertThatThrownBy(() -> tokens.windows(0, 1))
          .hasMessage("windows(0, 1): length and stride must be >= 1, for " + TOKENS);
      assertThatThrownBy(() -> tokens.windows(4, 0))
          .hasMessage("windows(4, 0): length and stride must be >= 1, for " + TOKENS);
      assertThatThrownBy(() -> shards.windows(2, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageEndingWith("they span several files: take windows of each shard instead");
      assertThatThrownBy(() -> scalar.slice(0, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "slice needs an array with rows, but "
                  + LayoutFixtures.path("data.npz")
                  + "['scalar'] is 0-d");
    }
  }

  @Test
  void closingAViewEndsItAndClosingItsArrayEndsEveryViewOfIt() throws IOException {
    NpyArray x = NpyArray.open(FEATURES);
    NpyArray a = x.slice(0, 10);
    NpyArray b = a.take(new long[] {1, 2});
    NpyArray w = x.windows(3, 1);
    a.close();
    assertThat(a.isOpen()).isFalse();
    assertThat(b.isOpen()).as("a view of a closed view").isFalse();
    assertThat(x.isOpen()).isTrue();
    assertThat(w.getDouble(0, 0, 0)).isZero();
    assertThatThrownBy(() -> a.getDouble(0, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(FEATURES + "[0:10] is closed");
    assertThatThrownBy(() -> b.gather(new long[] {0}, 0, 1, ByteBuffer.allocate(32)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(FEATURES + "[0:10] is closed");
    x.close();
    assertThat(w.isOpen()).isFalse();
    assertThatThrownBy(() -> w.getDouble(0, 0, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(FEATURES + " is closed");
    assertThatThrownBy(() -> x.slice(0, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(FEATURES + " is closed");
    w.close(); // idempotent, and harmless after the array's close
  }

  @Test
  void aLoaderWeighsTheBytesAViewReadsNotItsRowsTimesTheirSize() throws IOException {
    // what IoMode.AUTO compares with memory: overlapping windows read their file once
    try (NpyArray tokens = tokens();
        NpyArray x = NpyArray.open(FEATURES);
        NpyArray shards = NpyArray.openShards(ShardsTest.shards())) {
      assertThat(tokens.windows(129, 1).dataBytes()).isEqualTo(2000);
      assertThat(tokens.windows(100, 300).dataBytes()).isEqualTo(4 * 100 * 2);
      assertThat(x.slice(2, 12).dataBytes()).isEqualTo(10 * 32);
      assertThat(x.take(new long[1000]).dataBytes()).isEqualTo(20 * 32);
      assertThat(shards.dataBytes()).isEqualTo(15 * 12);
    }
  }

  @Test
  void viewsAreReadOnly() throws IOException {
    try (NpyArray x = NpyArray.open(FEATURES)) {
      assertThatThrownBy(() -> x.slice(0, 2).setDouble(1, 0, 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(FEATURES + "[0:2] is mapped read-only");
    }
  }
}
