package dev.memflux.samples.jmh;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How close does {@link NpyArray#gather} come to the machine's copy bandwidth? Gathers batches of
 * rows from a page-cached .npy, in file order and shuffled, against a plain direct-buffer copy of
 * the same bytes from a buffer as large as the file. Read the {@code bytes} counter (bytes/s).
 *
 * <pre>
 * java -cp 'samples/target/memflux.jar:samples/target/lib/*' org.openjdk.jmh.Main GatherBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class GatherBenchmark {

  /** {@code mnist}: 60000 x 784 u1 (47 MB); {@code cifar1g}: 87381 x 3 x 32 x 32 f4 (1 GiB). */
  @Param({"mnist", "cifar1g"})
  public String dataset;

  /** Rows per gather. */
  @Param("256")
  public int batch;

  private Path dir;
  private NpyArray array;
  private long[] sequential;
  private long[] shuffled;
  private ByteBuffer dst;
  private ByteBuffer copySource;
  private int batchBytes;
  private int cursor;

  /** Bytes moved, reported by JMH as a rate: the figure to compare across the benchmarks. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    /** Bytes copied in this iteration. */
    public long bytes;

    /** Starts every iteration from zero. */
    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  /** Writes the file with pseudo-random bytes, maps it and pulls it into the page cache. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    boolean mnist = dataset.equals("mnist");
    long[] shape = mnist ? new long[] {60_000, 784} : new long[] {87_381, 3, 32, 32};
    DType dtype = mnist ? DType.UINT8 : DType.FLOAT32;
    dir = Files.createTempDirectory("memflux-jmh");
    Path file = dir.resolve(dataset + ".npy");
    NpyArray.create(file, dtype, shape).close();
    long rows = shape[0];
    long dataBytes;
    try (NpyArray created = NpyArray.open(file)) {
      dataBytes = created.rows() * created.rowBytes();
    }
    fill(file, Files.size(file) - dataBytes, dataBytes);
    array = NpyArray.open(file);
    batchBytes = (int) (batch * array.rowBytes());
    dst = ByteBuffer.allocateDirect(batchBytes);
    sequential = new long[(int) rows];
    for (int i = 0; i < rows; i++) {
      sequential[i] = i;
    }
    shuffled = sequential.clone();
    SplittableRandom random = new SplittableRandom(42);
    for (int i = shuffled.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long t = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = t;
    }
    copySource = ByteBuffer.allocateDirect((int) Math.min(dataBytes, Integer.MAX_VALUE));
    array.gather(sequential, 0, (int) rows, copySource); // warms the page cache too
    copySource.clear();
  }

  private static void fill(Path file, long offset, long length) throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (long at = 0; at < length; at += block.capacity()) {
        block.clear();
        while (block.remaining() >= 8) {
          block.putLong(random.nextLong());
        }
        block.flip().limit((int) Math.min(block.capacity(), length - at));
        while (block.hasRemaining()) {
          ch.write(block, offset + at + block.position());
        }
      }
    }
  }

  /** Closes the array and deletes its file. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    array.close();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  private int nextBatchStart() {
    int start = cursor;
    cursor = cursor + 2 * batch > sequential.length ? 0 : cursor + batch;
    return start;
  }

  /** Consecutive rows: one bulk copy per batch. */
  @Benchmark
  public ByteBuffer gatherSequential(Bytes counter) {
    dst.clear();
    array.gather(sequential, nextBatchStart(), batch, dst);
    counter.bytes += batchBytes;
    return dst;
  }

  /** A random permutation: one copy per row. */
  @Benchmark
  public ByteBuffer gatherShuffled(Bytes counter) {
    dst.clear();
    array.gather(shuffled, nextBatchStart(), batch, dst);
    counter.bytes += batchBytes;
    return dst;
  }

  /** The machine limit: the same bytes copied between direct buffers, walking a file-sized one. */
  @Benchmark
  public ByteBuffer memcpy(Bytes counter) {
    int from = (int) (nextBatchStart() * array.rowBytes());
    dst.put(0, copySource, from, batchBytes);
    counter.bytes += batchBytes;
    return dst;
  }
}
