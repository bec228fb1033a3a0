package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.LogCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NpyArray#openShards}: the four {@code np.save} shards under {@code
 * src/test/resources/layouts/shards} (float32 rows of 3, element (r, c) of the whole = 3r + c +
 * 0.5, shard 2 empty) as one array, and the shards under {@code bad/} that disagree with them.
 */
class ShardsTest {

  @TempDir Path dir;

  static List<Path> shards() {
    List<Path> paths = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      paths.add(LayoutFixtures.path("shards/shard_" + k + ".npy"));
    }
    return paths;
  }

  static double expected(long r, long c) {
    return 3 * r + c + 0.5;
  }

  @Test
  void shardsReadAsOneArrayOfTheirRowsInOrder() throws IOException {
    try (LogCapture log = LogCapture.of(ShardSet.class);
        NpyArray x = NpyArray.openShards(shards())) {
      assertThat(x.shape()).containsExactly(15, 3);
      assertThat(x.dtype()).isEqualTo(DType.parse("<f4"));
      assertThat(x.path()).isEqualTo(shards().get(0));
      for (int r = 0; r < 15; r++) {
        for (int c = 0; c < 3; c++) {
          assertThat(x.getDouble(r, c)).as("(%d, %d)", r, c).isEqualTo(expected(r, c));
        }
        assertThat(x.row(r).order(ByteOrder.LITTLE_ENDIAN).getFloat(8))
            .isEqualTo((float) expected(r, 2));
      }
      // rows across every boundary, in and out of order, repeated; runs cross files
      long[] ids = {3, 4, 5, 6, 8, 9, 10, 14, 0, 9, 8, 4, 5};
      ByteBuffer rows = ByteBuffer.allocate(ids.length * 12).order(ByteOrder.nativeOrder());
      x.gather(ids, 0, ids.length, rows);
      for (int k = 0; k < ids.length; k++) {
        for (int c = 0; c < 3; c++) {
          assertThat(rows.getFloat((k * 3 + c) * 4)).isEqualTo((float) expected(ids[k], c));
        }
      }
      assertThat(log.records())
          .extracting(LogRecord::getMessage)
          .singleElement()
          .asString()
          .startsWith("shard {0} ({1}) is empty");
      assertThat(
              java.text.MessageFormat.format(
                  log.records().get(0).getMessage(), log.records().get(0).getParameters()))
          .isEqualTo(
              "shard 2 ("
                  + shards().get(2)
                  + ") is empty: it adds no rows to the 15 of the other shards");
    }
  }

  @Test
  void aDirectoryAndAGlobListShardsInNaturalOrder() throws IOException {
    for (String name : List.of("part_10.npy", "part_9.npy", "part_1.npy", "other.npy")) {
      ViewData.write(
          dir,
          name,
          DType.INT32,
          1,
          0,
          (r, j) ->
              Integer.parseInt(
                  name.replaceAll("\\D", "").isEmpty() ? "-1" : name.replaceAll("\\D", "")));
    }
    try (NpyArray parts = NpyArray.openShards(dir, "part_*.npy")) {
      assertThat(parts.rows()).isEqualTo(3);
      assertThat(List.of(parts.getLong(0), parts.getLong(1), parts.getLong(2)))
          .containsExactly(1L, 9L, 10L);
    }
    assertThatThrownBy(() -> NpyArray.openShards(dir, "train_*.npy"))
        .isInstanceOf(IOException.class)
        .hasMessage(dir + ": no file matches 'train_*.npy'");
    assertThat(ShardSet.compareNatural("x_002", "x_10")).isNegative();
    assertThat(ShardSet.compareNatural("x_2b", "x_2a")).isPositive();
    assertThat(ShardSet.compareNatural("a", "a0")).isNegative();
  }

  @Test
  void shardsThatDisagreeAreRefusedNamingTheFileAndHow() throws IOException {
    Path first = shards().get(0);
    String prefix = "shard 1 (";
    assertRefused(
        "float64.npy",
        prefix
            + bad("float64.npy")
            + ") has dtype <f8, but shard 0 ("
            + first
            + ") has <f4; every shard needs the same dtype and byte order");
    assertRefused(
        "big_endian.npy",
        prefix
            + bad("big_endian.npy")
            + ") has dtype >f4, but shard 0 ("
            + first
            + ") has <f4; every shard needs the same dtype and byte order");
    assertRefused(
        "wide.npy",
        prefix
            + bad("wide.npy")
            + ") has rows of shape (4,) (array (2, 4)), but shard 0 ("
            + first
            + ") has rows of shape (3,) (array (5, 3))");
    assertRefused(
        "fortran.npy",
        prefix
            + bad("fortran.npy")
            + ") is in Fortran order, whose rows are not contiguous; shards must be C-ordered"
            + " (np.ascontiguousarray)");
    assertRefused(
        "scalar.npy",
        prefix + bad("scalar.npy") + ") is a 0-d array; shards need rows (shape (N, ...))");
    assertThatThrownBy(() -> NpyArray.openShards(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("openShards needs at least one file");
    Path missing = dir.resolve("missing.npy");
    assertThatThrownBy(() -> NpyArray.openShards(List.of(first, missing)))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString());
  }

  private static Path bad(String name) {
    return LayoutFixtures.path("bad/" + name);
  }

  /** Opening shard 0 then {@code name} fails with {@code message}, leaving nothing mapped. */
  private void assertRefused(String name, String message) throws IOException {
    assertThatThrownBy(() -> NpyArray.openShards(List.of(shards().get(0), bad(name))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    // the same with copies nobody else maps: nothing stays mapped
    Path first = Files.copy(shards().get(0), dir.resolve("first.npy"));
    Path other = Files.copy(bad(name), dir.resolve(name));
    assertThatThrownBy(() -> NpyArray.openShards(List.of(first, other)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.readString(Path.of("/proc/self/maps")))
        .as("mappings left by a refused shard set")
        .doesNotContain(first.toString())
        .doesNotContain(other.toString());
    Files.delete(first);
    Files.delete(other);
  }

  @Test
  void closingTheShardSetReleasesEveryFile() throws IOException {
    List<Path> copies = new ArrayList<>();
    for (Path p : shards()) {
      copies.add(Files.copy(p, dir.resolve(p.getFileName())));
    }
    NpyArray x = NpyArray.openShards(copies);
    String maps = Files.readString(Path.of("/proc/self/maps"));
    assertThat(maps).contains(copies.get(0).toString()).contains(copies.get(3).toString());
    x.close();
    assertThat(x.isOpen()).isFalse();
    assertThatThrownBy(() -> x.getDouble(0, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("shards [" + copies.get(0) + " .. " + copies.get(3) + ", 4 files] is closed");
    assertThat(Files.readString(Path.of("/proc/self/maps")))
        .doesNotContain(copies.get(0).toString())
        .doesNotContain(copies.get(3).toString());
  }
}
