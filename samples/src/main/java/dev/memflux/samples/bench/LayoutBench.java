package dev.memflux.samples.bench;

import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpyWriter;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The data layouts against one plain file of the same bytes: each data set's images read by a
 * shuffled loader with 2 gather threads from the bench's .npy ({@code plain}), from the same rows
 * split into {@value #SHARDS} .npy files ({@code shards}: {@link NpyArray#openShards}), and as
 * {@link NpyArray#windows windows} of one row's length and stride over the plain file opened as one
 * 1-D array ({@code windows}: the same rows, read through the windows view). Same bytes, same rows,
 * same order; the goal is shards and windows within 10% of plain.
 *
 * <p>The three are measured alternately, in a rotating order, a fresh loader per repetition (one
 * warm-up epoch, then {@link BenchSettings#loaderEpochsPerRep} timed ones), so that the machine's
 * drift weighs on all three alike; each row is the median repetition, and the log gives each
 * layout's ratio to plain.
 */
final class LayoutBench {

  /** Files the shards split each data set into. */
  static final int SHARDS = 4;

  /** Bytes per read when writing the shards; a multiple of every item size. */
  private static final int COPY_CHUNK = 1 << 20;

  private final BenchSettings settings;
  private final BenchFiles files;
  private final PrintStream log;

  LayoutBench(BenchSettings settings, BenchFiles files, PrintStream log) {
    this.settings = settings;
    this.files = files;
    this.log = log;
  }

  /** The plain, shards and windows rows of both data sets. */
  List<Result> run() throws Exception {
    List<Result> results = new ArrayList<>();
    for (BenchDataset d : BenchDataset.values()) {
      Path plain = files.images(d);
      List<Path> shards = writeShards(plain, d);
      PageCache.warm(plain);
      PageCache.warm(shards.toArray(Path[]::new));
      try (NpyArray x = NpyArray.open(plain);
          NpyArray sharded = NpyArray.openShards(shards);
          NpyArray flat = flat(plain, x)) {
        Map<String, NpyArray> layouts = new LinkedHashMap<>();
        layouts.put("plain", x);
        layouts.put("shards", sharded);
        layouts.put("windows", flat.windows(rowElements(x), rowElements(x)));
        results.addAll(alternate(d, layouts));
      }
    }
    return results;
  }

  /** Each layout's row, measured in turn, repetition by repetition. */
  private List<Result> alternate(BenchDataset d, Map<String, NpyArray> layouts) {
    int perRep = settings.loaderEpochsPerRep(d.rows() * d.rowBytes());
    List<String> names = new ArrayList<>(layouts.keySet());
    List<NpyArray> arrays = new ArrayList<>(layouts.values());
    List<List<Timing.Rep>> timed = new ArrayList<>();
    names.forEach(name -> timed.add(new ArrayList<>()));
    for (int rep = 0; rep < settings.reps(); rep++) {
      // each repetition starts with another layout: none always runs first or after the same one
      for (int k = 0; k < names.size(); k++) {
        int which = (rep + k) % names.size();
        Loader loader =
            Loader.builder(arrays.get(which))
                .batchSize(settings.batchSize())
                .shuffle(Shuffle.random(42 + rep))
                .gatherThreads(2)
                .epochs(settings.warmups() + (long) perRep)
                .build();
        timed
            .get(which)
            .addAll(EpochTimer.epochs(loader.batches(), d.rowBytes(), settings.warmups(), perRep));
      }
    }
    List<Result> results = new ArrayList<>();
    double plain = Double.NaN;
    StringBuilder ratios = new StringBuilder();
    for (int k = 0; k < names.size(); k++) {
      String name = names.get(k);
      Timing.Summary s = Timing.summarize(timed.get(k));
      results.add(
          Result.measured("layout", "memflux", name, d.id(), true, 2, s, settings.batchSize(), ""));
      if (name.equals("plain")) {
        plain = s.samplesPerSec();
      } else {
        ratios.append(
            String.format(Locale.ROOT, ", %s %.3fx plain", name, s.samplesPerSec() / plain));
      }
    }
    log.printf(
        Locale.ROOT,
        "bench: layouts %s (shuffled, 2 threads, median of %d): plain %,.0f rows/s%s%n",
        d.id(),
        settings.reps(),
        plain,
        ratios);
    return results;
  }

  /** Elements in one row of {@code x}. */
  private static long rowElements(NpyArray x) {
    return x.rowBytes() / x.dtype().itemSize();
  }

  /** The plain .npy's data as one 1-D array: the bytes after its header, which end the file. */
  private static NpyArray flat(Path plain, NpyArray x) throws IOException {
    long dataBytes = x.count() * x.dtype().itemSize();
    return NpyArray.openRaw(
        plain, x.dtype(), new long[] {x.count()}, Files.size(plain) - dataBytes);
  }

  /**
   * The rows of {@code plain} in {@value #SHARDS} .npy files of nearly equal row counts, written
   * unless they are there with the right shapes.
   */
  private List<Path> writeShards(Path plain, BenchDataset d) throws IOException {
    Path dir = Files.createDirectories(files.dir().resolve("layout-shards"));
    String stem = d.imagesFile().replace(".npy", "");
    List<Path> shards = new ArrayList<>();
    try (NpyArray x = NpyArray.open(plain);
        FileChannel source = FileChannel.open(plain, StandardOpenOption.READ)) {
      long dataStart = Files.size(plain) - x.rows() * x.rowBytes();
      for (int k = 0; k < SHARDS; k++) {
        long from = x.rows() * k / SHARDS;
        long to = x.rows() * (k + 1) / SHARDS;
        long[] shape = x.shape();
        shape[0] = to - from;
        Path shard = dir.resolve(stem + "_" + k + ".npy");
        shards.add(shard);
        if (hasShape(shard, x, shape)) {
          continue;
        }
        log.printf("bench: writing %s (rows %d to %d of %s)%n", shard, from, to, plain);
        try (NpyWriter out = NpyWriter.create(shard, x.dtype(), shape)) {
          copy(source, dataStart + from * x.rowBytes(), (to - from) * x.rowBytes(), out);
          out.finish();
        }
      }
    }
    return shards;
  }

  /**
   * Copies {@code count} bytes of {@code source} from {@code from} through memory, written as
   * numpy's {@code np.save} writes them. Not {@link NpyWriter#transferFrom}: the kernel's
   * file-to-file copy left the shards' pages in the page cache so that a shuffled loader read them
   * 15-45% slower than the same bytes written by {@code write} (this machine, Linux 6.18), which
   * would measure the copy, not the shards.
   */
  private static void copy(FileChannel source, long from, long count, NpyWriter out)
      throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(COPY_CHUNK);
    for (long done = 0; done < count; ) {
      int want = (int) Math.min(COPY_CHUNK, count - done);
      chunk.clear().limit(want);
      while (chunk.hasRemaining()) {
        if (source.read(chunk, from + done + chunk.position()) < 0) {
          throw new IOException("the source ended after " + (from + done) + " bytes");
        }
      }
      out.put(chunk.flip());
      done += want;
    }
  }

  private static boolean hasShape(Path file, NpyArray like, long[] shape) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (NpyArray a = NpyArray.open(file)) {
      return a.dtype().equals(like.dtype()) && Arrays.equals(a.shape(), shape);
    }
  }
}
