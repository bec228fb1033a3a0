package dev.memflux.samples.bench;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpyWriter;
import dev.memflux.core.stage.Seeds;
import dev.memflux.samples.data.DataSource;
import dev.memflux.samples.data.IdxConverter;
import dev.memflux.samples.data.SyntheticImages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
final class BenchFiles {

  private static final long SEED = 12345;
  private static final int CHUNK_ROWS = 1024;

  private final Path dir;
  private final BenchSettings settings;

  /** Files in {@code dir} (created when missing) at the scale of {@code settings}. */
  BenchFiles(Path dir, BenchSettings settings) {
    this.dir = dir;
    this.settings = settings;
  }

  /** The directory holding the files. */
  Path dir() {
    return dir;
  }

  /** The images file of {@code dataset}. */
  Path images(BenchDataset dataset) {
    return dir.resolve(dataset.imagesFile());
  }

  /** The labels file of {@code dataset}. */
  Path labels(BenchDataset dataset) {
    return dir.resolve(dataset.labelsFile());
  }

  /** A data set's images and labels, mapped; closing closes both. */
  record Mapped(NpyArray images, NpyArray labels) implements AutoCloseable {
    @Override
    public void close() {
      try (images) {
        labels.close();
      }
    }
  }

  /**
   * Maps the images and labels of {@code dataset} after reading their pages in, since every section
   * measures a warm page cache.
   */
  Mapped openWarm(BenchDataset dataset) throws IOException {
    PageCache.warm(images(dataset), labels(dataset));
    NpyArray x = NpyArray.open(images(dataset));
    try {
      return new Mapped(x, NpyArray.open(labels(dataset)));
    } catch (IOException | RuntimeException e) {
      x.close();
      throw e;
    }
  }

  /**
   * Makes every file that is missing or has the wrong shape; reports what it does on {@code log}.
   */
  void prepare(PrintStream log) throws IOException {
    Files.createDirectories(dir);
    for (BenchDataset d : BenchDataset.values()) {
      long rows = settings.rows(d);
      if (matches(images(d), d.dtype(), d.shape(rows))
          && matches(labels(d), DType.INT64, new long[] {rows})) {
        continue;
      }
      log.printf(
          "bench: writing %s and %s (%d rows) in %s%n", d.imagesFile(), d.labelsFile(), rows, dir);
      // Each file appears whole or not at all (NpyWriter). A pair half-replaced by a crash either
      // fails the check above and is written again, or has the right shapes, and then the right
      // content too: both files are pure functions of the data set and the row count.
      if (d == BenchDataset.FMNIST) {
        writeFashionMnist(rows, images(d), labels(d));
      } else {
        writeUniformFloats(d, rows, images(d), labels(d));
      }
    }
  }

  /** A short description of where Fashion-MNIST came from, for the report. */
  String fashionMnistSource() {
    return realFashionMnist()
        ? "Fashion-MNIST (" + DataSource.DEBIAN_FASHION_MNIST + ")"
        : "synthetic 28x28 shapes (apt-get install dataset-fashion-mnist for the real set)";
  }

  private boolean realFashionMnist() {
    return settings.rows(BenchDataset.FMNIST) == BenchDataset.FMNIST.rows()
        && Files.isRegularFile(fashionMnist(DataSource.FASHION_MNIST_TRAIN_IMAGES))
        && Files.isRegularFile(fashionMnist(DataSource.FASHION_MNIST_TRAIN_LABELS));
  }

  private static Path fashionMnist(String file) {
    return DataSource.DEBIAN_FASHION_MNIST.resolve(file);
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
      IdxConverter.convert(fashionMnist(DataSource.FASHION_MNIST_TRAIN_IMAGES), x, true, false);
      IdxConverter.convert(fashionMnist(DataSource.FASHION_MNIST_TRAIN_LABELS), y, false, true);
    } else {
      new SyntheticImages(SEED).writeNpy(rows, x, y);
    }
  }

  /** Seeded uniform floats, and labels 0..9, written straight through {@link NpyWriter}s. */
  private static void writeUniformFloats(BenchDataset d, long rows, Path x, Path y)
      throws IOException {
    int rowFloats = (int) (d.rowBytes() / Float.BYTES);
    try (NpyWriter images = NpyWriter.create(x, DType.FLOAT32, d.shape(rows))) {
      // One random stream per chunk of rows, so the content does not depend on buffer sizes.
      for (long start = 0; start < rows; start += CHUNK_ROWS) {
        long n = Math.min(CHUNK_ROWS, rows - start);
        SplittableRandom random = new SplittableRandom(Seeds.derive(SEED, start));
        for (long i = 0; i < n * rowFloats; i++) {
          images.putDouble((float) random.nextDouble());
        }
      }
      images.finish();
    }
    try (NpyWriter labels = NpyWriter.create(y, DType.INT64, new long[] {rows})) {
      SplittableRandom random = new SplittableRandom(Seeds.derive(SEED, -1));
      for (long i = 0; i < rows; i++) {
        labels.putLong(random.nextInt(10));
      }
      labels.finish();
    }
  }
}
