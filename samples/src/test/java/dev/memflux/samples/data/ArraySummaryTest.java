package dev.memflux.samples.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The figures and notations the inspect command tests do not reach through numpy's fixtures. */
class ArraySummaryTest {

  @TempDir Path dir;

  @Test
  void sumsRowsLargerThanABlockElementByElement() throws IOException {
    try (NpyArray a =
        NpyArray.create(dir.resolve("wide.npy"), DType.parse(">u2"), new long[] {3, 50})) {
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 50; c++) {
          a.setLong(r * 50 + c, r, c);
        }
      }
      assertThat(ArraySum.of(a, 16)).isEqualTo(ArraySum.of(a, 1 << 20)).isEqualTo(11175);
    }
  }

  @Test
  void boolsPrintAsNumpyAndJsonSpellThem() throws IOException {
    try (NpyArray a = NpyArray.create(dir.resolve("b.npy"), DType.parse("|b1"), new long[] {3})) {
      a.setLong(1, 0);
      ArraySummary s = ArraySummary.of(a, 1 << 20);

      assertThat(s.toJson()).endsWith("\"sum\":1.0,\"first\":true,\"last\":false}");
      assertThat(s.toText()).contains("first:   True").contains("last:    False");
    }
  }

  @Test
  void uint64BeyondLongMaxPrintsUnsigned() throws IOException {
    try (NpyArray a = NpyArray.create(dir.resolve("u.npy"), DType.parse("<u8"), new long[] {2})) {
      a.setLong(-1, 0);
      a.setLong(7, 1);
      ArraySummary s = ArraySummary.of(a, 1 << 20);

      assertThat(s.toJson())
          .endsWith("\"sum\":1.8446744073709552E19,\"first\":18446744073709551615,\"last\":7}");
      assertThat(s.toText()).contains("first:   18446744073709551615");
    }
  }
}
