package dev.memflux.samples.data;

import static dev.memflux.samples.data.IdxFixtures.gzip;
import static dev.memflux.samples.data.IdxFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.ChildJvm;
import dev.memflux.core.testing.Fifo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourceTest {

  @TempDir Path dir;

  /** A stand-in for /usr/share/datasets/fashion-mnist with 30 train and 10 test images. */
  private Path fakeDebianPackage(int trainLabels) throws IOException {
    Path pkg = Files.createDirectories(dir.resolve("usr/share/datasets/fashion-mnist"));
    write(pkg.resolve("train-images-idx3-ubyte.gz"), gzip(IdxFixtures.images(30, 28)));
    write(pkg.resolve("train-labels-idx1-ubyte.gz"), gzip(IdxFixtures.labels(trainLabels)));
    write(pkg.resolve("t10k-images-idx3-ubyte.gz"), gzip(IdxFixtures.images(10, 28)));
    write(pkg.resolve("t10k-labels-idx1-ubyte.gz"), gzip(IdxFixtures.labels(10)));
    return pkg;
  }

  private static void assertArrays(DataSource.Dataset data, long train, long test)
      throws IOException {
    try (NpyArray x = NpyArray.open(data.trainX());
        NpyArray y = NpyArray.open(data.trainY());
        NpyArray tx = NpyArray.open(data.testX());
        NpyArray ty = NpyArray.open(data.testY())) {
      assertThat(x.shape()).containsExactly(train, 1, 28, 28);
      assertThat(tx.shape()).containsExactly(test, 1, 28, 28);
      assertThat(x.dtype()).isEqualTo(DType.UINT8);
      assertThat(y.shape()).containsExactly(train);
      assertThat(ty.shape()).containsExactly(test);
      assertThat(y.dtype()).isEqualTo(DType.INT64);
    }
  }

  @Test
  void autoConvertsInstalledFashionMnistOnceIntoTheCache() throws IOException {
    Path cache = dir.resolve("cache");
    DataSource source =
        DataSource.defaults().withPackageDir(fakeDebianPackage(30)).withCacheDir(cache);

    DataSource.Dataset data = source.resolve("auto");

    assertThat(data.description())
        .startsWith("dataset: Fashion-MNIST (" + source.packageDir())
        .contains("cached as .npy in " + cache.resolve("fashion-mnist"));
    assertArrays(data, 30, 10);
    try (NpyArray x = NpyArray.open(data.trainX());
        NpyArray y = NpyArray.open(data.trainY())) {
      assertThat(x.getLong(29, 0, 0, 5)).isEqualTo((29 * 7 + 5) & 0xff);
      assertThat(y.getLong(29)).isEqualTo(9);
    }
    FileTime written = Files.getLastModifiedTime(data.trainX());

    assertThat(source.resolve("auto")).isEqualTo(data);
    assertThat(Files.getLastModifiedTime(data.trainX())).isEqualTo(written);
    try (Stream<Path> entries = Files.list(cache)) {
      assertThat(entries).containsExactly(cache.resolve("fashion-mnist"));
    }
  }

  @Test
  void failedConversionLeavesNothingThatLooksComplete() throws IOException {
    Path cache = dir.resolve("cache");
    DataSource source =
        DataSource.defaults().withPackageDir(fakeDebianPackage(29)).withCacheDir(cache);

    assertThatThrownBy(() -> source.resolve("auto"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("train_x.npy")
        .hasMessageContaining("29 labels");
    try (Stream<Path> entries = Files.list(cache)) {
      assertThat(entries).isEmpty();
    }
  }

  @Test
  void autoFallsBackToSyntheticShapesWhenFashionMnistIsMissing() throws IOException {
    Path cache = dir.resolve("cache");
    DataSource source =
        DataSource.defaults()
            .withPackageDir(dir.resolve("not-installed"))
            .withCacheDir(cache)
            .withSynthetic(40, 20, 7);

    DataSource.Dataset data = source.resolve("auto");

    assertThat(data.description())
        .startsWith("dataset: synthetic shapes, 40 train + 20 test, seed 7")
        .contains("apt-get install dataset-fashion-mnist");
    assertArrays(data, 40, 20);
    assertThat(data.trainX().getParent().getParent()).isEqualTo(cache);
    assertThat(source.resolve("auto")).isEqualTo(data);
  }

  @Test
  void directoryWithTheFourFilesIsUsedAsIs() throws IOException {
    DataSource source =
        DataSource.defaults()
            .withPackageDir(dir.resolve("none"))
            .withCacheDir(dir.resolve("cache"))
            .withSynthetic(20, 10, 1);
    Path data = source.resolve("auto").trainX().getParent();

    DataSource.Dataset resolved = DataSource.defaults().resolve(data.toString());

    assertThat(resolved.trainX()).isEqualTo(data.resolve("train_x.npy"));
    assertThat(resolved.description())
        .isEqualTo("dataset: " + data + " (20 train, 10 test images)");
  }

  @Test
  void directoryMissingAFileNamesIt() throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    for (String name : new String[] {"train_x.npy", "train_y.npy", "test_x.npy"}) {
      Files.createFile(data.resolve(name));
    }
    assertThatThrownBy(() -> DataSource.defaults().resolve(data.toString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("missing test_y.npy");
  }

  @Test
  void neitherAutoNorADirectoryIsAnError() {
    assertThatThrownBy(() -> DataSource.defaults().resolve(dir.resolve("nope").toString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not 'auto' and not a directory");
  }

  /** Builds a synthetic cache entry large enough to be killed while it is built. */
  public static final class SlowBuild {
    public static void main(String[] args) throws IOException {
      DataSource.defaults()
          .withPackageDir(Path.of(args[0], "not-installed"))
          .withCacheDir(Path.of(args[0], "cache"))
          .withSynthetic(1_000_000, 0, 1)
          .resolve("auto");
    }
  }

  /** Issue 16.9: a killed --data auto build left its *.partial-* directory forever. */
  @Test
  void theBuildDirectoryOfAKilledRunIsDeletedByTheNextRun() throws Exception {
    Path cache = dir.resolve("cache");
    ChildJvm child =
        ChildJvm.start(dir.resolve("child.log"), List.of(), SlowBuild.class, dir.toString());
    List<Path> partial = List.of();
    for (long deadline = System.nanoTime() + 60_000_000_000L;
        partial.isEmpty() && child.isAlive() && System.nanoTime() < deadline; ) {
      Thread.sleep(5);
      partial = partialBuilds(cache);
    }
    child.kill();
    assertThat(partial).as("the child's build directory; child: %s", child.output()).hasSize(1);
    assertThat(partial.get(0)).isDirectory();

    DataSource.Dataset data =
        DataSource.defaults()
            .withPackageDir(dir.resolve("not-installed"))
            .withCacheDir(cache)
            .withSynthetic(10, 10, 1)
            .resolve("auto");

    assertThat(partial.get(0)).doesNotExist();
    try (Stream<Path> entries = Files.list(cache)) {
      assertThat(entries).containsExactly(data.trainX().getParent());
    }
  }

  @Test
  void aBuildDirectoryWhoseProcessStillRunsIsLeftAlone() throws Exception {
    Path cache = Files.createDirectories(dir.resolve("cache"));
    Process running = new ProcessBuilder("sleep", "60").start();
    try {
      Path live = Files.createDirectory(cache.resolve("x.partial-" + running.pid() + "-1"));
      Path ours =
          Files.createDirectory(cache.resolve("y.partial-" + ProcessHandle.current().pid() + "-2"));
      Path unrelated = Files.createDirectory(cache.resolve("notes.partial-of-something"));

      DataSource.defaults()
          .withPackageDir(dir.resolve("not-installed"))
          .withCacheDir(cache)
          .withSynthetic(10, 10, 1)
          .resolve("auto");

      assertThat(live).isDirectory();
      assertThat(ours).isDirectory();
      assertThat(unrelated).isDirectory();
    } finally {
      running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static List<Path> partialBuilds(Path cache) throws IOException {
    if (!Files.isDirectory(cache)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(cache)) {
      return entries.filter(p -> p.getFileName().toString().contains(".partial-")).toList();
    }
  }

  /** Issue 16.6: a FIFO in a --data directory was taken for a missing file (or opened). */
  @Test
  void aDataDirectoryFileThatIsNotRegularIsNamed() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    for (String name : new String[] {"train_x.npy", "train_y.npy", "test_y.npy"}) {
      Files.createFile(data.resolve(name));
    }
    Path fifo = Fifo.make(data.resolve("test_x.npy"));

    Throwable thrown =
        Fifo.within(
            "--data DIR",
            () -> {
              try {
                DataSource.defaults().resolve(data.toString());
                return null;
              } catch (IOException e) {
                return e;
              }
            });

    assertThat(thrown).isNotNull().hasMessage(fifo + ": not a regular file");
  }

  @Test
  void cacheFollowsXdgCacheHome() {
    Path home = Path.of("/home/u");
    assertThat(DataSource.defaultCacheDir(Map.of("XDG_CACHE_HOME", "/var/cache/u"), home))
        .isEqualTo(Path.of("/var/cache/u/memflux"));
    assertThat(DataSource.defaultCacheDir(Map.of(), home))
        .isEqualTo(Path.of("/home/u/.cache/memflux"));
    assertThat(DataSource.defaultCacheDir(Map.of("XDG_CACHE_HOME", "relative"), home))
        .isEqualTo(Path.of("/home/u/.cache/memflux"));
  }
}
