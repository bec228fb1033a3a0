package dev.memflux.samples.bench;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Seeds;
import dev.memflux.samples.DataSource;
import dev.memflux.samples.IdxFile;
import dev.memflux.samples.SyntheticImages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Creates the benchmark files once and finds them again: for each {@link BenchDataset}, an images
 * and a labels .npy in the data directory, under the peer's names and shapes. Fashion-MNIST comes
 * from Debian's {@code dataset-fashion-mnist} when it is installed (at full scale), otherwise from
 * {@link SyntheticImages}; the float images are seeded uniform noise in [0, 1), as the peer makes.
 *
 * <p>Files of another shape (an older or a scaled run) are replaced. Each file is written under a
 * temporary name and renamed into place, so an interrupted run never leaves a file that a later run
 * would take as complete.
 */
public final class BenchFiles {

  private static final long SEED = 12345;
  private static final int CHUNK_ROWS = 1024;

  private final Path dir;
  private final BenchSettings settings;

  /** Files in {@code dir} (created when missing) at the scale of {@code settings}. */
  public BenchFiles(Path dir, BenchSettings settings) {
    this.dir = dir;
    this.settings = settings;
  }

  /** The directory holding the files. */
  public Path dir() {
    return dir;
  }

  /** The images file of {@code dataset}. */
  public Path images(BenchDataset dataset) {
    return dir.resolve(dataset.imagesFile());
  }

  /** The labels file of {@code dataset}. */
  public Path labels(BenchDataset dataset) {
    return dir.resolve(dataset.labelsFile());
  }

  /**
   * Makes every file that is missing or has the wrong shape; reports what it does on {@code log}.
   */
  public void prepare(PrintStream log) throws IOException {
    Files.createDirectories(dir);
    for (BenchDataset d : BenchDataset.values()) {
      long rows = settings.rows(d);
      if (matches(images(d), d.dtype(), d.shape(rows))
          && matches(labels(d), DType.INT64, new long[] {rows})) {
        continue;
      }
      log.printf(
          "bench: writing %s and %s (%d rows) in %s%n", d.imagesFile(), d.labelsFile(), rows, dir);
      Path x = temporary(images(d));
      Path y = temporary(labels(d));
      try {
        if (d == BenchDataset.FMNIST) {
          writeFashionMnist(rows, x, y);
        } else {
          writeUniformFloats(d, rows, x, y);
        }
        Files.move(x, images(d), StandardCopyOption.REPLACE_EXISTING);
        Files.move(y, labels(d), StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(x);
        Files.deleteIfExists(y);
      }
    }
  }

  /** A short description of where Fashion-MNIST came from, for the report. */
  public String fashionMnistSource() {
    return realFashionMnist()
        ? "Fashion-MNIST (" + DataSource.DEBIAN_FASHION_MNIST + ")"
        : "synthetic 28x28 shapes (apt-get install dataset-fashion-mnist for the real set)";
  }

  private boolean realFashionMnist() {
    return settings.rows(BenchDataset.FMNIST) == BenchDataset.FMNIST.rows()
        && Files.isRegularFile(
            DataSource.DEBIAN_FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"))
        && Files.isRegularFile(
            DataSource.DEBIAN_FASHION_MNIST.resolve("train-labels-idx1-ubyte.gz"));
  }

  private static Path temporary(Path target) {
    return target.resolveSibling(target.getFileName() + ".partial");
  }

  private static boolean matches(Path file, DType dtype, long[] shape) throws IOException {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (NpyArray a = NpyArray.open(file)) {
      return a.dtype().equals(dtype) && Arrays.equals(a.shape(), shape) && !a.fortranOrder();
    } catch (IOException malformed) {
      return false; // an unreadable leftover is rewritten, not fatal
    }
  }

  private void writeFashionMnist(long rows, Path x, Path y) throws IOException {
    if (realFashionMnist()) {
      Path idx = DataSource.DEBIAN_FASHION_MNIST;
      try (IdxFile images = IdxFile.open(idx.resolve("train-images-idx3-ubyte.gz"))) {
        images.toNpy(x, DType.UINT8, BenchDataset.FMNIST.shape(rows));
      }
      try (IdxFile labels = IdxFile.open(idx.resolve("train-labels-idx1-ubyte.gz"))) {
        labels.toNpy(y, DType.INT64, new long[] {rows});
      }
    } else {
      new SyntheticImages(SEED).writeNpy(rows, x, y);
    }
  }

  /** Seeded uniform floats, written chunk by chunk straight into the file after its header. */
  private static void writeUniformFloats(BenchDataset d, long rows, Path x, Path y)
      throws IOException {
    long dataBytes = rows * d.rowBytes();
    try (NpyArray created = NpyArray.create(x, DType.FLOAT32, d.shape(rows))) {
      created.force();
    }
    long offset = Files.size(x) - dataBytes;
    int rowFloats = (int) (d.rowBytes() / Float.BYTES);
    ByteBuffer chunk =
        ByteBuffer.allocateDirect(CHUNK_ROWS * (int) d.rowBytes()).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel out = FileChannel.open(x, StandardOpenOption.WRITE)) {
      for (long start = 0; start < rows; start += CHUNK_ROWS) {
        int n = (int) Math.min(CHUNK_ROWS, rows - start);
        SplittableRandom random = new SplittableRandom(Seeds.derive(SEED, start));
        chunk.clear();
        for (int i = 0; i < n * rowFloats; i++) {
          chunk.putFloat((float) random.nextDouble());
        }
        chunk.flip();
        long at = offset + start * d.rowBytes();
        while (chunk.hasRemaining()) {
          at += out.write(chunk, at);
        }
      }
      out.force(false);
    }
    try (NpyArray labels = NpyArray.create(y, DType.INT64, new long[] {rows})) {
      SplittableRandom random = new SplittableRandom(Seeds.derive(SEED, -1));
      long[] at = new long[1];
      for (long i = 0; i < rows; i++) {
        at[0] = i;
        labels.setLong(random.nextInt(10), at);
      }
      labels.force();
    }
  }
}
