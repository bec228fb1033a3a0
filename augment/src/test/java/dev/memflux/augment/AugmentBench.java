package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;

/**
 * Steady-state throughput and allocation of the augmentation stage (not a timed test): samples/s of
 * flip + rotate(15) on 3x64x64 float32 and toFloat + flip + rotate(15) on 1x28x28 uint8, at
 * parallelism 1 and 2, against the loader alone. Allocation is summed over every live thread
 * (loader, augment workers, consumer) between the end of warm-up and the end of the run.
 *
 * <pre>
 * mvn -B -ntp -o -q install -DskipTests &amp;&amp; mvn -B -ntp -o -q test-compile -pl augment
 * R=~/.m2/repository
 * java -cp augment/target/test-classes:augment/target/classes:\
 * $R/dev/memflux/memflux-core/0.1.0-SNAPSHOT/memflux-core-0.1.0-SNAPSHOT.jar:\
 * $R/io/projectreactor/reactor-core/3.8.7/reactor-core-3.8.7.jar:\
 * $R/org/reactivestreams/reactive-streams/1.0.4/reactive-streams-1.0.4.jar:\
 * $R/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar dev.memflux.augment.AugmentBench [batches]
 * </pre>
 */
public final class AugmentBench {

  private static final int BATCH = 64;
  private static final int WARMUP = 200;

  private AugmentBench() {}

  /** Runs every case and prints one line per case. */
  public static void main(String[] args) throws IOException {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 1500;
    Path dir = Files.createTempDirectory("memflux-augment-bench");
    try (NpyArray rgb = floats(dir.resolve("rgb.npy"), 1024, 3, 64, 64);
        NpyArray gray = Fixtures.uint8Images(dir, "gray.npy", 2048, 1, 28, 28)) {
      for (int p : new int[] {1, 2}) {
        run("3x64x64 f32 loader only", rgb, batches, f -> f);
        run(
            "3x64x64 f32 flip+rotate(15) p=" + p,
            rgb,
            batches,
            f ->
                f.transform(
                    Augment.images(ImageLayout.CHW)
                        .horizontalFlip(0.5)
                        .rotate(15)
                        .seed(1)
                        .parallelism(p)));
        run("1x28x28 u8 loader only", gray, batches, f -> f);
        run(
            "1x28x28 u8 toFloat+flip+rotate(15) p=" + p,
            gray,
            batches,
            f ->
                f.transform(
                    Augment.images(ImageLayout.CHW)
                        .toFloat(1 / 255f)
                        .horizontalFlip(0.5)
                        .rotate(15)
                        .seed(1)
                        .parallelism(p)));
      }
    } finally {
      try (var files = Files.list(dir)) {
        files.forEach(f -> f.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  private static void run(
      String name, NpyArray data, int batches, UnaryOperator<Flux<Batch>> stage) {
    Loader loader =
        Loader.builder(data)
            .batchSize(BATCH)
            .shuffle(Shuffle.random(1))
            .epochs(Long.MAX_VALUE)
            .prefetch(4)
            .build();
    AtomicLong count = new AtomicLong();
    long[] start = new long[2];
    long[] end = new long[2];
    stage
        .apply(loader.batches())
        .take(WARMUP + batches)
        .doOnNext(
            b -> {
              b.close();
              long n = count.incrementAndGet();
              if (n == WARMUP) {
                start[0] = System.nanoTime();
                start[1] = allocatedBytes();
              } else if (n == WARMUP + batches) {
                end[0] = System.nanoTime();
                end[1] = allocatedBytes();
              }
            })
        .blockLast(Duration.ofMinutes(10));
    double seconds = (end[0] - start[0]) / 1e9;
    System.out.printf(
        "%-40s %10.0f samples/s %8.1f batches/s %10.0f B allocated/batch%n",
        name,
        batches * (double) BATCH / seconds,
        batches / seconds,
        (end[1] - start[1]) / (double) batches);
  }

  /** Bytes allocated so far by every live thread. */
  private static long allocatedBytes() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds()))
        .filter(b -> b > 0)
        .sum();
  }

  private static NpyArray floats(Path path, int rows, int c, int h, int w) throws IOException {
    NpyArray a = NpyArray.create(path, DType.FLOAT32, new long[] {rows, c, h, w});
    for (int i = 0; i < rows; i++) {
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            a.setDouble(((i * 31 + ch * 17 + y * 7 + x) % 256) / 255.0, i, ch, y, x);
          }
        }
      }
    }
    return a;
  }
}
