package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.NpyFixtures.Fixture;
import dev.memflux.core.testing.Leaks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every read mode, forced on small files, delivers the bytes and the order of the mapped path: all
 * dtypes and both byte orders, C and Fortran order, rows of odd sizes that straddle the 4 KiB
 * blocks {@code O_DIRECT} reads, rows larger than one read, several fields, every shuffle with
 * shards and resume, the blocks cache with and without room, one read in flight or many.
 */
class LoaderIoModeTest {

  static final IoMode[] FILE_MODES = {IoMode.BUFFERED, IoMode.DIRECT};
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** What a loader delivered: every batch's ids, and each field's bytes, in order. */
  record Delivery(List<long[]> ids, List<byte[]> bytes) {}

  static Delivery deliver(Loader loader) {
    List<long[]> ids = new ArrayList<>();
    List<byte[]> bytes = new ArrayList<>();
    loader
        .batches()
        .doOnNext(
            b -> {
              try (b) {
                ids.add(b.indices());
                for (int f = 0; f < b.fieldCount(); f++) {
                  ByteBuffer field = b.field(f);
                  byte[] copy = new byte[field.remaining()];
                  field.get(copy);
                  bytes.add(copy);
                }
              }
            })
        .blockLast(WAIT);
    Leaks.assertReleased("loader " + loader.io(), loader.bufferPool());
    return new Delivery(ids, bytes);
  }

  static List<Long> flat(List<long[]> batches) {
    List<Long> out = new ArrayList<>();
    batches.forEach(ids -> LongStream.of(ids).forEach(out::add));
    return out;
  }

  /** Asserts that each file mode delivers what the mapped mode delivers for {@code builder}. */
  static void assertSameInEveryMode(Loader.Builder builder, String what) {
    Delivery mapped = deliver(builder.io(IoMode.MAPPED).build());
    for (IoMode mode : FILE_MODES) {
      Loader loader = builder.io(mode).build();
      Delivery read = deliver(loader);
      assertThat(read.ids()).as("%s %s ids", what, mode).hasSameSizeAs(mapped.ids());
      for (int i = 0; i < mapped.ids().size(); i++) {
        assertThat(read.ids().get(i))
            .as("%s %s batch %d", what, mode, i)
            .containsExactly(mapped.ids().get(i));
      }
      for (int i = 0; i < mapped.bytes().size(); i++) {
        assertThat(read.bytes().get(i))
            .as("%s %s (%s) bytes of batch/field %d", what, mode, loader.io(), i)
            .isEqualTo(mapped.bytes().get(i));
      }
    }
  }

  @Test
  void everyDtypeByteOrderAndLayoutReadsTheSameBytes() throws IOException {
    for (Fixture f : NpyFixtures.all()) {
      try (NpyArray a =
          f.isRaw()
              ? NpyArray.openRaw(f.path(), f.dtype(), f.shape(), f.rawOffset())
              : NpyArray.open(f.path())) {
        if (a.rows() == 0) {
          continue;
        }
        for (Shuffle s : List.of(Shuffle.none(), Shuffle.random(3), Shuffle.blocks(2, 2, 3))) {
          assertSameInEveryMode(Loader.builder(a).batchSize(3).shuffle(s).epochs(2), f + " " + s);
        }
        Loader direct = Loader.builder(a).io(IoMode.DIRECT).build();
        if (f.fortran() && a.rowBytes() > a.dtype().itemSize()) {
          assertThat(direct.io().modes()).as("%s", f).containsExactly(IoMode.MAPPED);
          assertThat(direct.io().reason()).contains("Fortran order");
        } else if (a.rowBytes() > 0) {
          assertThat(direct.io().modes()).as("%s", f).doesNotContain(IoMode.MAPPED);
        }
      }
    }
  }

  /** A uint8 array whose row r holds bytes {@code (r * 31 + k) % 251}: every row is different. */
  NpyArray pattern(String name, long rows, int rowBytes) throws IOException {
    Path p = dir.resolve(name);
    try (NpyWriter w = NpyWriter.create(p, DType.UINT8, new long[] {rows, rowBytes})) {
      ByteBuffer row = ByteBuffer.allocate(rowBytes);
      for (long r = 0; r < rows; r++) {
        for (int k = 0; k < rowBytes; k++) {
          row.put(k, (byte) ((r * 31 + k) % 251));
        }
        w.put(row.clear());
      }
      w.finish();
    }
    return NpyArray.open(p);
  }

  @Test
  void oddRowSizesStraddlingBlocksAndRowsLargerThanOneRead() throws IOException {
    int[][] cases = {{700, 4097}, {300, 12289}, {2000, 5000}, {5, 3 << 19}, {900, 1}};
    for (int[] c : cases) {
      try (NpyArray a = pattern("p" + c[1] + ".npy", c[0], c[1])) {
        for (Shuffle s : List.of(Shuffle.none(), Shuffle.random(5), Shuffle.blocks(7, 3, 5))) {
          for (int batch : new int[] {1, 16}) {
            assertSameInEveryMode(
                Loader.builder(a).batchSize(batch).shuffle(s).prefetch(3),
                c[1] + "-byte rows " + s + " batch " + batch);
          }
        }
      }
    }
  }

  @Test
  void severalFieldsShardsDropLastAndResumeReadTheSameBytes() throws IOException {
    NpyArray x = TestData.features(dir, 1003, 5);
    NpyArray y = TestData.labels(dir, 1003);
    try (x;
        y) {
      SplittableRandom random = new SplittableRandom(17);
      for (Shuffle s :
          List.of(Shuffle.none(), Shuffle.random(9), Shuffle.blocks(40, 9), Shuffle.blocks(3, 9))) {
        for (int trial = 0; trial < 4; trial++) {
          int world = 1 + random.nextInt(3);
          Loader.Builder b =
              Loader.builder(x, y)
                  .batchSize(1 + random.nextInt(40))
                  .shuffle(s)
                  .shard(random.nextInt(world), world)
                  .dropLast(random.nextBoolean())
                  .epochs(2)
                  .prefetch(1 + random.nextInt(5))
                  .gatherThreads(1 + random.nextInt(2))
                  .ioDepth(1 + random.nextInt(40));
          assertSameInEveryMode(b, s + " trial " + trial);
          // resumed from the middle of the first epoch
          Loader full = b.io(IoMode.MAPPED).build();
          Batch middle =
              TestData.closingDiscards(full.batches().skip(full.batchesPerEpoch() / 2))
                  .next()
                  .block(WAIT);
          LoaderState state = middle.state();
          middle.close();
          Leaks.assertReleased("skip", full.bufferPool());
          for (IoMode mode : FILE_MODES) {
            Loader resumed = b.io(mode).build().resumeFrom(state);
            assertThat(flat(deliver(resumed).ids()))
                .as("%s resumed in %s", s, mode)
                .containsExactlyElementsOf(flat(deliver(full.resumeFrom(state)).ids()));
          }
        }
      }
    }
  }

  @Test
  void badReadSettingsAreRejectedAtBuildNamingTheOptionAndValue() throws IOException {
    try (NpyArray a = pattern("bad.npy", 10, 10)) {
      LoaderFaultTest.assertRejected(
          () -> Loader.builder(a).ioDepth(0).build(), "ioDepth", "0", "[1, 1024]");
      LoaderFaultTest.assertRejected(
          () -> Loader.builder(a).ioDepth(5000).build(), "ioDepth", "5000");
      LoaderFaultTest.assertRejected(
          () -> Loader.builder(a).ioBudget(-5).build(), "ioBudget", "-5", ">= 0");
      assertThatThrownBy(() -> Loader.builder(a).io(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("mode");
    }
  }

  @Test
  void blocksAreReadWholeWithRoomAndRowByRowWithout() throws IOException {
    try (NpyArray a = pattern("blocks.npy", 4000, 3000)) {
      UnaryOperator<Loader.Builder> roomy = b -> b.ioBudget(256L << 20);
      UnaryOperator<Loader.Builder> tight = b -> b.ioBudget(1 << 20).ioDepth(1);
      for (UnaryOperator<Loader.Builder> budget : List.of(roomy, tight)) {
        Loader.Builder b =
            budget.apply(
                Loader.builder(a).batchSize(64).shuffle(Shuffle.blocks(100, 8, 1)).epochs(2));
        assertSameInEveryMode(b, "budget");
        String reason = b.io(IoMode.DIRECT).build().io().reason();
        if (budget == tight) {
          assertThat(reason).contains("Shuffle.blocks reads blocks.npy row by row");
        } else {
          assertThat(reason).doesNotContain("row by row");
        }
      }
    }
  }
}
