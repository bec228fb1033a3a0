package dev.memflux.samples.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.EpochReport;
import dev.memflux.train.TrainingReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs each layout example of {@link dev.memflux.samples.examples} on small data in the layout
 * numpy writes: {@code np.save} shards and arrays (written here through {@link NpyArray#create}),
 * an {@code np.savez} archive (core's fixture, made by numpy), {@code np.memmap} uint16 token files
 * and float64 tables.
 */
class ExamplesTest {

  @TempDir Path dir;

  /** As the training examples' {@code main} does, first. */
  @BeforeAll
  static void tuneCpuTraining() {
    CpuTraining.tune();
  }

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /**
   * {@code np.save(path, np.arange(rows * cols, dtype=np.float32).reshape(rows, cols) + first)}.
   */
  private static void floats(Path path, long rows, long cols, long first) throws IOException {
    try (NpyArray a = NpyArray.create(path, DType.FLOAT32, new long[] {rows, cols})) {
      for (long r = 0; r < rows; r++) {
        for (long c = 0; c < cols; c++) {
          a.setDouble((double) (first + r * cols + c), r, c);
        }
      }
    }
  }

  /** {@code np.save(path, (np.arange(rows) + first) % 10)}: int64 labels. */
  private static void labels(Path path, long rows, long first) throws IOException {
    try (NpyArray a = NpyArray.create(path, DType.INT64, new long[] {rows})) {
      for (long r = 0; r < rows; r++) {
        a.setLong((first + r) % 10, r);
      }
    }
  }

  @Test
  void shardsAreOneDatasetShuffledAcrossFiles() throws IOException {
    long first = 0;
    long[] sizes = {100, 37, 63};
    for (int k = 0; k < sizes.length; k++) {
      floats(dir.resolve("x_" + k + ".npy"), sizes[k], 3, first * 3);
      labels(dir.resolve("y_" + k + ".npy"), sizes[k], first);
      first += sizes[k];
    }

    assertThat(ShardsExample.run(dir, out)).isEqualTo(400);

    assertThat(lines().get(0)).startsWith("x: NpyArray[").contains("(200, 3)");
    assertThat(lines().subList(2, 4))
        .containsExactly(
            "epoch 0: 200 rows in 4 batches, each sample once",
            "epoch 1: 200 rows in 4 batches, each sample once");
  }

  @Test
  void npzMembersAreMappedInPlaceAndACompressedOneNamesTheConversion() throws IOException {
    Path npz = coreFixture("data.npz");

    assertThat(NpzExample.run(npz, "x", "y", out)).isEqualTo(10);

    assertThat(lines())
        .startsWith("member x: stored", "member y: stored")
        .contains("epoch 0: 10 rows in 3 batches, each sample once");
    assertThat(lines()).anyMatch(l -> l.startsWith("x: NpyArray[") && l.contains("(10, 3)"));
    Path compressed = coreFixture("compressed.npz");
    assertThatThrownBy(() -> NpzExample.run(compressed, "x", "y", out))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(compressed.toString())
        .hasMessageContaining("memflux convert npz");
  }

  @Test
  void aSplitAndASubsetOfOneFileAreViews() throws IOException {
    floats(dir.resolve("x.npy"), 1000, 4, 0);
    labels(dir.resolve("y.npy"), 1000, 0);

    long rows = SplitExample.run(dir.resolve("x.npy"), dir.resolve("y.npy"), out);

    assertThat(rows).isEqualTo(900 + 100 + 450);
    assertThat(lines())
        .containsExactly(
            "train: 900 rows, validation: 100 rows",
            "train epoch 0: 900 rows in 29 batches, each sample once",
            "validation epoch 0: 100 rows in 4 batches, each sample once",
            "even rows epoch 0: 450 rows in 15 batches, each sample once");
  }

  /**
   * Tokens of a vocabulary of 32 follow t[k + 1] = (5 t[k] + 3) mod 32 but for random restarts (one
   * token in 16): a bigram model gets far below the uniform loss ln(32) = 3.47, to about (1/16)
   * ln(32) = 0.22 at best.
   */
  @Test
  void nextTokenTrainingOnUint16WindowsLearnsFarBelowTheUniformLoss() throws IOException {
    int vocab = 32;
    Path trainFile = tokenFile("train.bin", 12_000, vocab, 11);
    Path validationFile = tokenFile("val.bin", 2_000, vocab, 12);

    TrainingReport report = TokenWindowsExample.run(trainFile, validationFile, vocab, 2, out);

    EpochReport last = report.lastEpoch();
    assertThat(last.validationLoss()).isLessThan(Math.log(vocab) / 5);
    assertThat(last.trainAccuracy()).isNaN();
    assertThat(lines()).anyMatch(l -> l.startsWith("epoch 1: loss ") && l.contains(", val loss "));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("NaN");
  }

  /**
   * y = w . x + 0.3 + noise of standard deviation 0.05 over 8 float64 features uniform in [-1, 1):
   * the noise alone gives an L2 loss (half the squared error) of 0.00125; the model gets below
   * 0.002.
   */
  @Test
  void aRegressionOnFloat64ColumnsReachesItsStatedError() throws IOException {
    int n = 2000;
    double[] w = {0.5, -1.0, 0.25, 2.0, -0.75, 0.0, 1.5, -0.5};
    SplittableRandom random = new SplittableRandom(3);
    Path features = dir.resolve("features.npy");
    Path targets = dir.resolve("targets.npy");
    try (NpyArray x = NpyArray.create(features, DType.FLOAT64, new long[] {n, w.length});
        NpyArray y = NpyArray.create(targets, DType.FLOAT64, new long[] {n})) {
      for (int i = 0; i < n; i++) {
        double target = 0.3 + 0.05 * random.nextGaussian();
        for (int j = 0; j < w.length; j++) {
          double v = random.nextDouble(-1, 1);
          x.setDouble(v, i, j);
          target += w[j] * v;
        }
        y.setDouble(target, i);
      }
    }

    TrainingReport report = RegressionExample.run(features, targets, 8, out);

    assertThat(report.lastEpoch().validationLoss()).isLessThan(0.002);
    assertThat(lines()).anyMatch(l -> l.startsWith("epoch 7: loss ") && l.contains(", val loss "));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("acc").doesNotContain("NaN");
  }

  /** An {@code np.memmap} uint16 file of {@code n} tokens following the rule above. */
  private Path tokenFile(String name, int n, int vocab, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer tokens = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    int t = 0;
    for (int k = 0; k < n; k++) {
      t = random.nextInt(16) == 0 ? random.nextInt(vocab) : (5 * t + 3) % vocab;
      tokens.putShort(2 * k, (short) t);
    }
    return Files.write(dir.resolve(name), tokens.array());
  }

  /** A fixture (a copy of core's, made by numpy), copied out of the classpath to be mapped. */
  private Path coreFixture(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = ExamplesTest.class.getResourceAsStream("/layouts/" + name)) {
      assertThat(in).as("the test resources hold /layouts/" + name).isNotNull();
      Files.copy(in, file);
    }
    return file;
  }
}
