package dev.memflux.samples.bench;

import dev.memflux.core.IoMode;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One memflux configuration of {@code bench --out-of-core}, run by {@link OutOfCoreBench} in a
 * child JVM inside a memory cgroup after the page cache was dropped, exactly as the peers run: a
 * {@link Loader} over {@code ooc_x.npy} and {@code ooc_y.npy}, batch 256, read for a fixed time
 * from a cold start into a subscriber that counts and closes batches. Writes its result row to a
 * results file and says on stderr which read mode the loader chose and why.
 *
 * <pre>
 * java -cp memflux.jar dev.memflux.samples.bench.OutOfCoreChild DATA_DIR VARIANT SECONDS OUT.json
 * </pre>
 */
public final class OutOfCoreChild {

  /** Samples per batch, as the peers. */
  static final int BATCH = 256;

  /** Rows of the 2 MiB blocks of the blocks rows (171 rows of 12288 bytes: 2.1 MB). */
  static long blockRows(long rowBytes, long blockBytes) {
    return (blockBytes + rowBytes - 1) / rowBytes;
  }

  /** The configurations, in the order the bench runs them. */
  enum Variant {
    /** {@code Shuffle.random}, default settings. */
    RANDOM("random", true),
    /** {@code Shuffle.blocks} of 2 MiB blocks, default settings. */
    BLOCKS_2M("blocks-2MiB", true),
    /** {@code Shuffle.blocks} of 4 MiB blocks, default settings. */
    BLOCKS_4M("blocks-4MiB", true),
    /** {@code Shuffle.none()}, default settings. */
    SEQUENTIAL("sequential", false),
    /** {@code Shuffle.random} forced through the mappings: memflux before the out-of-core path. */
    RANDOM_MAPPED("random-io-mapped", true);

    final String id;
    final boolean shuffled;

    Variant(String id, boolean shuffled) {
      this.id = id;
      this.shuffled = shuffled;
    }

    static Variant of(String id) {
      for (Variant v : values()) {
        if (v.id.equals(id)) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown variant " + id);
    }
  }

  private OutOfCoreChild() {}

  /** {@code DATA_DIR VARIANT SECONDS OUT.json}. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Variant variant = Variant.of(args[1]);
    double seconds = Double.parseDouble(args[2]);
    Path out = Path.of(args[3]);
    try (NpyArray x = NpyArray.open(dir.resolve("ooc_x.npy"));
        NpyArray y = NpyArray.open(dir.resolve("ooc_y.npy"))) {
      Shuffle shuffle =
          switch (variant) {
            case RANDOM, RANDOM_MAPPED -> Shuffle.random(7);
            case BLOCKS_2M -> Shuffle.blocks(blockRows(x.rowBytes(), 2L << 20), 7);
            case BLOCKS_4M -> Shuffle.blocks(blockRows(x.rowBytes(), 4L << 20), 7);
            case SEQUENTIAL -> Shuffle.none();
          };
      Loader.Builder builder =
          Loader.builder(x, y).batchSize(BATCH).shuffle(shuffle).epochs(Long.MAX_VALUE);
      Loader loader =
          variant == Variant.RANDOM_MAPPED ? builder.io(IoMode.MAPPED).build() : builder.build();
      System.err.println("bench: out-of-core " + variant.id + ": io: " + loader.io());
      AtomicLong rows = new AtomicLong();
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      loader
          .batches()
          .takeWhile(
              b -> {
                try (b) {
                  rows.addAndGet(b.size());
                }
                return System.nanoTime() < end;
              })
          .blockLast(Duration.ofSeconds((long) seconds + 600));
      double elapsed = (System.nanoTime() - start) / 1e9;
      double perSec = rows.get() / elapsed;
      ResultsJson.write(
          out,
          List.of(
              new Result(
                  "out-of-core",
                  "memflux",
                  variant.id,
                  "ooc-u8",
                  variant.shuffled,
                  loader.io().allMapped() ? loader.gatherThreads() : loader.ioDepth(),
                  perSec,
                  perSec * x.rowBytes() / 1e9,
                  Double.NaN,
                  Double.NaN,
                  1,
                  BATCH,
                  "")));
      System.err.printf(
          Locale.ROOT,
          "bench: out-of-core %s: %.0f rows/s over %.1f s%n",
          variant.id,
          perSec,
          elapsed);
    }
  }
}
