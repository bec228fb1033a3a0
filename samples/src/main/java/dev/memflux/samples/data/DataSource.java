package dev.memflux.samples.data;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.AtomicFile;
import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.stage.Seeds;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves the {@code --data auto|DIR} option of {@code train} to four .npy arrays, images and
 * labels for a train and a test split: for {@code auto}, images (N, 1, 28, 28) uint8 and labels
 * (N,) int64; in a {@code DIR}, images of two or more dimensions and 1-d integer labels, one each.
 *
 * <pre>{@code
 * DataSource.Dataset data = DataSource.defaults().resolve("auto");
 * System.out.println(data.description());   // dataset: Fashion-MNIST (...)
 * try (NpyArray x = NpyArray.open(data.trainX())) { ... }
 * }</pre>
 *
 * <p>{@code auto} uses Fashion-MNIST from Debian's {@code dataset-fashion-mnist} package when it is
 * installed, otherwise the built-in {@link SyntheticImages}; either is written as .npy once, into a
 * cache directory, and reused. A cache entry is built in a temporary directory and renamed into
 * place in one atomic step, so an interrupted run never leaves a half-built entry that a later run
 * would take as complete; the temporary directory of a run that was killed is deleted by the next
 * run once that process is gone. {@code DIR} is a directory holding {@code train_x.npy}, {@code
 * train_y.npy}, {@code test_x.npy} and {@code test_y.npy}.
 *
 * <p>Instances are immutable; the {@code with...} methods return changed copies.
 */
public final class DataSource {

  /** Where Debian's {@code dataset-fashion-mnist} installs the IDX files. */
  public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  /** The file names of the four arrays, in a {@code DIR} and in a cache entry. */
  public static final List<String> FILE_NAMES =
      List.of("train_x.npy", "train_y.npy", "test_x.npy", "test_y.npy");

  /** Fashion-MNIST's IDX file of the training images. */
  public static final String FASHION_MNIST_TRAIN_IMAGES = "train-images-idx3-ubyte.gz";

  /** Fashion-MNIST's IDX file of the training labels. */
  public static final String FASHION_MNIST_TRAIN_LABELS = "train-labels-idx1-ubyte.gz";

  /** Fashion-MNIST's IDX files, in the order of {@link #FILE_NAMES}. */
  private static final List<String> FASHION_MNIST_FILES =
      List.of(
          FASHION_MNIST_TRAIN_IMAGES,
          FASHION_MNIST_TRAIN_LABELS,
          "t10k-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz");

  /** Bumped whenever {@link SyntheticImages} draws differently, so old cache entries are unused. */
  private static final int SYNTHETIC_VERSION = 1;

  /** Infix of a cache entry being built: {@code NAME.partial-PID-N}. */
  private static final String PARTIAL = ".partial-";

  private static final Pattern PARTIAL_NAME =
      Pattern.compile(".+" + Pattern.quote(PARTIAL) + "(\\d{1,18})-\\d+");

  private static final long PID = ProcessHandle.current().pid();

  private final Path packageDir;
  private final Path cacheDir;
  private final long syntheticTrain;
  private final long syntheticTest;
  private final long syntheticSeed;

  private DataSource(
      Path packageDir, Path cacheDir, long syntheticTrain, long syntheticTest, long syntheticSeed) {
    this.packageDir = packageDir;
    this.cacheDir = cacheDir;
    this.syntheticTrain = syntheticTrain;
    this.syntheticTest = syntheticTest;
    this.syntheticSeed = syntheticSeed;
  }

  /**
   * The four arrays to train and test on, and where they came from.
   *
   * @param description one line for the top of a run's output, starting {@code "dataset: "}
   */
  public record Dataset(String description, Path trainX, Path trainY, Path testX, Path testY) {

    /** Checks that no component is null. */
    public Dataset {
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(trainX, "trainX");
      Objects.requireNonNull(trainY, "trainY");
      Objects.requireNonNull(testX, "testX");
      Objects.requireNonNull(testY, "testY");
    }

    private static Dataset in(Path dir, String description) {
      return new Dataset(
          description,
          dir.resolve(FILE_NAMES.get(0)),
          dir.resolve(FILE_NAMES.get(1)),
          dir.resolve(FILE_NAMES.get(2)),
          dir.resolve(FILE_NAMES.get(3)));
    }
  }

  /**
   * Debian's Fashion-MNIST directory, the cache in {@code ${XDG_CACHE_HOME:-~/.cache}/memflux}, and
   * a synthetic fallback of 60000 train and 10000 test images from seed 42.
   */
  public static DataSource defaults() {
    return new DataSource(
        DEBIAN_FASHION_MNIST,
        defaultCacheDir(System.getenv(), Path.of(System.getProperty("user.home"))),
        60_000,
        10_000,
        42);
  }

  /** {@code $XDG_CACHE_HOME/memflux}, or {@code ~/.cache/memflux} when it is unset or relative. */
  public static Path defaultCacheDir(Map<String, String> env, Path home) {
    String xdg = env.get("XDG_CACHE_HOME");
    // The XDG spec says relative values are invalid and must be ignored.
    Path base = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg) : home.resolve(".cache");
    return base.resolve("memflux");
  }

  /** A copy reading Fashion-MNIST's IDX files from {@code dir} instead of Debian's location. */
  public DataSource withPackageDir(Path dir) {
    return new DataSource(
        Objects.requireNonNull(dir, "dir"), cacheDir, syntheticTrain, syntheticTest, syntheticSeed);
  }

  /** A copy keeping converted and generated arrays under {@code dir}. */
  public DataSource withCacheDir(Path dir) {
    return new DataSource(
        packageDir,
        Objects.requireNonNull(dir, "dir"),
        syntheticTrain,
        syntheticTest,
        syntheticSeed);
  }

  /**
   * A copy whose synthetic fallback has {@code train} and {@code test} images drawn from {@code
   * seed}.
   *
   * @throws IllegalArgumentException when a count is negative
   */
  public DataSource withSynthetic(long train, long test, long seed) {
    if (train < 0 || test < 0) {
      throw new IllegalArgumentException(
          "synthetic image counts must be >= 0, were train " + train + " and test " + test);
    }
    return new DataSource(packageDir, cacheDir, train, test, seed);
  }

  /** The directory Fashion-MNIST's IDX files are read from. */
  public Path packageDir() {
    return packageDir;
  }

  /**
   * Resolves {@code --data}: {@code "auto"}, or a directory holding the four .npy files.
   *
   * @throws IOException when {@code DIR} is not a directory, lacks one of the files (named in the
   *     message), holds one that is not a regular file, or arrays whose row counts disagree; or
   *     when converting or caching fails
   */
  public Dataset resolve(String data) throws IOException {
    Objects.requireNonNull(data, "data");
    if (data.equals("auto")) {
      return fashionMnistInstalled() ? fashionMnist() : synthetic();
    }
    Path dir = Path.of(data);
    if (!Files.isDirectory(dir)) {
      throw new IOException("--data " + data + ": not 'auto' and not a directory");
    }
    for (String name : FILE_NAMES) {
      if (Files.exists(dir.resolve(name))) {
        InputFiles.requireRegular(dir.resolve(name));
      } else {
        throw new IOException(
            "--data "
                + dir
                + ": missing "
                + name
                + " (needs "
                + String.join(", ", FILE_NAMES)
                + ")");
      }
    }
    Dataset files = Dataset.in(dir, "");
    long[] rows = checkSplits(files);
    return Dataset.in(
        dir, "dataset: " + dir + " (" + rows[0] + " train, " + rows[1] + " test images)");
  }

  private boolean fashionMnistInstalled() {
    return FASHION_MNIST_FILES.stream()
        .allMatch(name -> Files.isRegularFile(packageDir.resolve(name)));
  }

  private Dataset fashionMnist() throws IOException {
    Path entry = cacheDir.resolve("fashion-mnist");
    buildOnce(
        entry,
        tmp -> {
          for (int i = 0; i < FILE_NAMES.size(); i++) {
            // Images and labels alternate, as in FILE_NAMES.
            boolean images = i % 2 == 0;
            IdxConverter.convert(
                packageDir.resolve(FASHION_MNIST_FILES.get(i)),
                tmp.resolve(FILE_NAMES.get(i)),
                images,
                !images);
          }
          checkSplits(Dataset.in(tmp, ""));
        });
    return Dataset.in(
        entry, "dataset: Fashion-MNIST (" + packageDir + ", cached as .npy in " + entry + ")");
  }

  private Dataset synthetic() throws IOException {
    Path entry =
        cacheDir.resolve(
            "synthetic-v"
                + SYNTHETIC_VERSION
                + "-seed"
                + syntheticSeed
                + "-"
                + syntheticTrain
                + "+"
                + syntheticTest);
    buildOnce(
        entry,
        tmp -> {
          new SyntheticImages(Seeds.derive(syntheticSeed, 0))
              .writeNpy(
                  syntheticTrain, tmp.resolve(FILE_NAMES.get(0)), tmp.resolve(FILE_NAMES.get(1)));
          new SyntheticImages(Seeds.derive(syntheticSeed, 1))
              .writeNpy(
                  syntheticTest, tmp.resolve(FILE_NAMES.get(2)), tmp.resolve(FILE_NAMES.get(3)));
        });
    return Dataset.in(
        entry,
        "dataset: synthetic shapes, "
            + syntheticTrain
            + " train + "
            + syntheticTest
            + " test, seed "
            + syntheticSeed
            + " (Fashion-MNIST not installed: apt-get install dataset-fashion-mnist; cached as .npy"
            + " in "
            + entry
            + ")");
  }

  /** Writes a cache entry's files into the directory it is given. */
  @FunctionalInterface
  private interface Builder {
    void build(Path dir) throws IOException;
  }

  /**
   * Builds {@code entry} unless it exists: in a fresh temporary sibling directory ({@code
   * NAME.partial-PID-N}), renamed into place atomically and made durable by syncing the cache
   * directory. When another process wins the race, its entry is used and ours discarded.
   */
  private static void buildOnce(Path entry, Builder builder) throws IOException {
    Path cache = Objects.requireNonNull(entry.toAbsolutePath().getParent(), "a cache directory");
    removeAbandonedBuilds(cache);
    if (Files.isDirectory(entry)) {
      return;
    }
    Files.createDirectories(entry.getParent());
    Path tmp =
        Files.createTempDirectory(entry.getParent(), entry.getFileName() + PARTIAL + PID + "-");
    try {
      builder.build(tmp);
      try {
        Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
        AtomicFile.syncDirectory(cache);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
        // Another process built the same entry meanwhile: the same content, so use theirs.
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            "cannot rename " + tmp + " to " + entry + " atomically; choose another cache dir", e);
      }
    } finally {
      FileTrees.delete(tmp);
    }
  }

  /**
   * Deletes the build directories in {@code cache} left by processes that were killed mid-build:
   * those whose process is gone. A running build (or one whose process id was reused) is left
   * alone. Best effort: a leftover wastes space but is never taken for an entry.
   */
  private static void removeAbandonedBuilds(Path cache) {
    if (!Files.isDirectory(cache)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(cache)) {
      for (Path p : entries) {
        Matcher m = PARTIAL_NAME.matcher(p.getFileName().toString());
        if (m.matches() && !alive(Long.parseLong(m.group(1))) && !Files.isSymbolicLink(p)) {
          FileTrees.delete(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      // another process may be deleting the same leftover; the build goes on regardless
    }
  }

  private static boolean alive(long pid) {
    return pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Checks that each split's images and labels have the same number of rows and that the labels are
   * 1-d integers; returns the train and test row counts.
   */
  @CanIgnoreReturnValue
  private static long[] checkSplits(Dataset files) throws IOException {
    return new long[] {
      checkPair(files.trainX(), files.trainY()), checkPair(files.testX(), files.testY())
    };
  }

  private static long checkPair(Path images, Path labels) throws IOException {
    try (NpyArray x = NpyArray.open(images);
        NpyArray y = NpyArray.open(labels)) {
      DType.Kind kind = y.dtype().kind();
      if (y.ndim() != 1 || (kind != DType.Kind.INT && kind != DType.Kind.UINT)) {
        throw new IOException(
            labels
                + ": expected 1-d integer labels, found "
                + y.dtype()
                + " of shape "
                + NpyArray.shapeString(y.shape()));
      }
      if (x.ndim() < 2 || x.rows() != y.rows()) {
        throw new IOException(
            images
                + " has shape "
                + NpyArray.shapeString(x.shape())
                + " but "
                + labels
                + " has "
                + y.rows()
                + " labels: expected one image per label");
      }
      return x.rows();
    }
  }
}
