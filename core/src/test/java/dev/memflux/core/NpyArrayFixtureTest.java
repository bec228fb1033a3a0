package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.MappedChunks.Windowing;
import dev.memflux.core.NpyFixtures.Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every numpy-written fixture read through every windowing: the production one, and tiny chunks
 * where rows straddle chunk boundaries, with and without enough overlap to hold a whole row.
 */
class NpyArrayFixtureTest {

  static Stream<Arguments> fixturesAndWindowings() {
    List<Windowing> windowings =
        List.of(
            Windowing.DEFAULT,
            new Windowing(6, 1 << 20), // 64-byte chunks, overlap = one row: rows never split
            new Windowing(6, 64), // no overlap: every straddling row is copied piecewise
            new Windowing(3, 16)); // 8-byte chunks, 8-byte overlap
    List<Arguments> args = new ArrayList<>();
    for (Fixture f : NpyFixtures.all()) {
      for (Windowing w : windowings) {
        args.add(Arguments.of(f, w));
      }
    }
    return args.stream();
  }

  private static NpyArray open(Fixture f, Windowing w) throws IOException {
    return f.isRaw()
        ? NpyArray.openRaw(f.path(), f.dtype(), f.shape(), f.rawOffset(), w)
        : NpyArray.open(f.path(), w);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndWindowings")
  void reportsNumpysMetadata(Fixture f, Windowing w) throws IOException {
    try (NpyArray a = open(f, w)) {
      assertThat(a.dtype()).isEqualTo(f.dtype());
      assertThat(a.dtype().descr()).isEqualTo(f.descr());
      assertThat(a.shape()).containsExactly(f.shape());
      assertThat(a.ndim()).isEqualTo(f.shape().length);
      assertThat(a.fortranOrder()).isEqualTo(f.fortran());
      assertThat(a.version()).isEqualTo(f.isRaw() ? "raw" : f.version());
      assertThat(a.count()).isEqualTo(f.values().length);
      long rows = f.shape().length == 0 ? 1 : f.shape()[0];
      assertThat(a.rows()).isEqualTo(rows);
      assertThat(a.rowBytes() * a.rows()).isEqualTo(a.count() * a.dtype().itemSize());
      assertThat(a.path()).isEqualTo(f.path());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndWindowings")
  void readsEveryElementExactly(Fixture f, Windowing w) throws IOException {
    try (NpyArray a = open(f, w)) {
      long[] shape = a.shape();
      long[] index = new long[shape.length];
      for (int i = 0; i < f.values().length; i++) {
        // index of C-order element i
        long rest = i;
        for (int axis = shape.length - 1; axis >= 0; axis--) {
          index[axis] = rest % shape[axis];
          rest /= shape[axis];
        }
        assertThat(Double.doubleToLongBits(a.getDouble(index)))
            .as("element %d of %s", i, f)
            .isEqualTo(Double.doubleToLongBits(f.expectedDouble(i)));
        if (f.dtype().kind() != DType.Kind.FLOAT) {
          assertThat(a.getLong(index)).as("element %d of %s", i, f).isEqualTo(f.expectedBits(i));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndWindowings")
  void gathersRowsInNativeCOrderInAnyOrder(Fixture f, Windowing w) throws IOException {
    try (NpyArray a = open(f, w)) {
      int rows = (int) a.rows();
      long[] ids = new long[rows * 3];
      SplittableRandom random = new SplittableRandom(rows);
      for (int i = 0; i < ids.length; i++) {
        // sequential runs, repeats and random jumps
        ids[i] = i < rows ? i : i < 2 * rows ? rows - 1 - (i - rows) : random.nextInt(rows);
      }
      int rowElements = (int) (a.rowBytes() / a.dtype().itemSize());
      for (ByteOrder dstOrder : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
        ByteBuffer dst = ByteBuffer.allocateDirect((int) (ids.length * a.rowBytes() + 3));
        dst.order(dstOrder).position(3);
        a.gather(ids, 0, ids.length, dst);
        assertThat(dst.position()).isEqualTo(3 + ids.length * a.rowBytes());
        ByteBuffer out = dst.flip().position(3).slice();
        for (int r = 0; r < ids.length; r++) {
          for (int e = 0; e < rowElements; e++) {
            double expected = f.expectedDouble((int) (ids[r] * rowElements + e));
            double actual = NpyFixtures.decodeNative(out, r * rowElements + e, a.dtype());
            assertThat(Double.doubleToLongBits(actual))
                .as("row %d element %d of %s", ids[r], e, f)
                .isEqualTo(Double.doubleToLongBits(expected));
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fixturesAndWindowings")
  void rowViewsAreZeroCopyInFileOrderForCOrder(Fixture f, Windowing w) throws IOException {
    try (NpyArray a = open(f, w)) {
      boolean rowsFit =
          !f.fortran()
              && (a.rowBytes() <= w.maxWindowBytes() - (1 << w.chunkShift()) || a.rows() <= 1);
      if (f.fortran() && a.rowBytes() > a.dtype().itemSize()) {
        assertThatThrownBy(() -> a.row(0)).isInstanceOf(UnsupportedOperationException.class);
        return;
      }
      int rowElements = (int) (a.rowBytes() / a.dtype().itemSize());
      for (long r = 0; r < a.rows(); r++) {
        ByteBuffer row;
        try {
          row = a.row(r);
        } catch (UnsupportedOperationException e) {
          assertThat(rowsFit).as("row %d of %s should be a view", r, f).isFalse();
          continue;
        }
        assertThat(row.isReadOnly()).isTrue();
        assertThat(row.order()).isEqualTo(a.dtype().order());
        assertThat(row.remaining()).isEqualTo(a.rowBytes());
        ByteBuffer nativeCopy = ByteBuffer.allocate(row.remaining()).order(ByteOrder.nativeOrder());
        ByteBuffer src = row.duplicate().order(a.dtype().order());
        for (int e = 0; e < rowElements; e++) {
          int at = e * a.dtype().itemSize();
          switch (a.dtype().itemSize()) {
            case 1 -> nativeCopy.put(at, src.get(at));
            case 2 -> nativeCopy.putShort(at, src.getShort(at));
            case 4 -> nativeCopy.putInt(at, src.getInt(at));
            default -> nativeCopy.putLong(at, src.getLong(at));
          }
        }
        for (int e = 0; e < rowElements; e++) {
          assertThat(Double.doubleToLongBits(NpyFixtures.decodeNative(nativeCopy, e, a.dtype())))
              .isEqualTo(Double.doubleToLongBits(f.expectedDouble((int) (r * rowElements + e))));
        }
      }
    }
  }
}
