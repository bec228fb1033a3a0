package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.DType;
import dev.memflux.core.NpyWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 16.7: {@code train --data DIR} is checked before any training, and data a user can fix is
 * one line naming the file and the problem, with status 2, never an internal error from deep inside
 * DJL.
 */
class TrainCommandDataTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /**
   * Writes the four arrays of a --data directory: {@code train} and {@code test} images of shape
   * (rows, C, H, W), uint8 pixels p mod 251, and labels i mod 10 with {@code stray} in place of the
   * third training label when it is not negative.
   */
  private Path dataDir(long[] train, long[] test, long stray) throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    images(data.resolve("train_x.npy"), train);
    labels(data.resolve("train_y.npy"), train[0], i -> i == 2 && stray >= 0 ? stray : i % 10);
    images(data.resolve("test_x.npy"), test);
    labels(data.resolve("test_y.npy"), test[0], i -> i % 10);
    return data;
  }

  private static void images(Path file, long[] shape) throws IOException {
    long count = shape[0] * shape[1] * shape[2] * shape[3];
    try (NpyWriter w = NpyWriter.create(file, DType.UINT8, shape)) {
      for (long p = 0; p < count; p++) {
        w.putLong(p % 251);
      }
      w.finish();
    }
  }

  private static void labels(Path file, long rows, LongUnaryOperator label) throws IOException {
    try (NpyWriter w = NpyWriter.create(file, DType.INT64, new long[] {rows})) {
      for (long i = 0; i < rows; i++) {
        w.putLong(label.applyAsLong(i));
      }
      w.finish();
    }
  }

  private static long[] shape(String dims) {
    return Arrays.stream(dims.split("x")).mapToLong(Long::parseLong).toArray();
  }

  private int train(Path data, String model) {
    return Main.commandLine()
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(
            "train",
            "--data",
            data.toString(),
            "--model",
            model,
            "--epochs",
            "1",
            "--workers",
            "1",
            "--batch-size",
            "8");
  }

  @ParameterizedTest(name = "{0}: train {1}, test {2}, stray label {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        // (N, 0, 8, 8) images: "internal error: / by zero"
        "mlp | 4x0x8x8   | 2x0x8x8   | -1         | train_x.npy: images of shape (4, 0, 8, 8)"
            + " have no pixels: C, H and W must be at least 1",
        // 1x1 images with the CNN: DJL's "Output size is too small"
        "cnn | 20x1x1x1  | 4x1x1x1   | -1         | train_x.npy: --model cnn needs images of at"
            + " least 4x4 pixels (two 2x2 max-poolings halve each side twice), found 1x1",
        "cnn | 20x1x3x8  | 4x1x3x8   | -1         | train_x.npy: --model cnn needs images of at"
            + " least 4x4 pixels (two 2x2 max-poolings halve each side twice), found 3x8",
        // a label of 10^9: an output layer of 10^9 classes, 512 GB
        "mlp | 20x1x4x4  | 4x1x4x4   | 1000000000 | train_y.npy: label 1000000000 at row 2 is not"
            + " a class index 0..65535 (the classifier has one output per class)",
        "mlp | 20x1x4x4  | 4x1x4x4   | 65536      | train_y.npy: label 65536 at row 2 is not"
            + " a class index 0..65535 (the classifier has one output per class)",
        // zero training rows: a false "expected uint8 images"
        "mlp | 0x1x4x4   | 4x1x4x4   | -1         | train_x.npy: no training images (shape"
            + " (0, 1, 4, 4)); the training split needs at least one",
        // an empty test split: accuracy NaN and exit 0
        "mlp | 20x1x4x4  | 0x1x4x4   | -1         | test_x.npy: no test images (shape"
            + " (0, 1, 4, 4)); the test split needs at least one",
      })
  void dataTheModelCannotUseIsOneLineNamingTheFileAndStatus2(
      String model, String train, String test, long stray, String message) throws IOException {
    Path data = dataDir(shape(train), shape(test), stray);

    int status = train(data, model);

    assertThat(status).as(err.toString()).isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString().lines()).containsExactly("memflux train: " + data + "/" + message);
    assertThat(out.toString().lines()).singleElement().asString().startsWith("dataset: " + data);
  }

  @Test
  void labelsThatAreAllZeroAreNotAClassification() throws IOException {
    Path data = Files.createDirectories(dir.resolve("zeros"));
    images(data.resolve("train_x.npy"), new long[] {3, 1, 4, 4});
    images(data.resolve("test_x.npy"), new long[] {1, 1, 4, 4});
    labels(data.resolve("train_y.npy"), 3, i -> 0);
    labels(data.resolve("test_y.npy"), 1, i -> 0);

    assertThat(train(data, "mlp")).isEqualTo(Main.BAD_INPUT);

    assertThat(err.toString().lines())
        .containsExactly(
            "memflux train: "
                + data.resolve("train_y.npy")
                + " and "
                + data.resolve("test_y.npy")
                + ": every label is 0; a classifier needs at least 2 classes");
  }

  /**
   * A zero-filled file (what a killed writer used to leave) was DJL's "Gradient values are all
   * zeros".
   */
  @Test
  void blankImagesAreNothingToLearnFrom() throws IOException {
    Path data = Files.createDirectories(dir.resolve("blank"));
    try (NpyWriter w =
        NpyWriter.create(data.resolve("train_x.npy"), DType.UINT8, new long[] {5, 1, 8, 8})) {
      w.put(ByteBuffer.allocate(5 * 64));
      w.finish();
    }
    images(data.resolve("test_x.npy"), new long[] {3, 1, 8, 8});
    labels(data.resolve("train_y.npy"), 5, i -> i % 2);
    labels(data.resolve("test_y.npy"), 3, i -> i % 2);

    assertThat(train(data, "mlp")).isEqualTo(Main.BAD_INPUT);

    assertThat(err.toString().lines())
        .containsExactly(
            "memflux train: "
                + data.resolve("train_x.npy")
                + ": blank images: in the 5 sampled, every pixel of a channel has the same value;"
                + " nothing to learn from");
  }

  /** The smallest images the CNN takes train: the limit above is the real one. */
  @Test
  void theCnnTrainsOnFourByFourImages() throws IOException {
    Path data = dataDir(shape("20x1x4x4"), shape("4x1x4x4"), -1);

    assertThat(train(data, "cnn")).as(err.toString()).isZero();

    assertThat(err.toString()).isEmpty();
    assertThat(out.toString().lines()).anyMatch(l -> l.startsWith("epoch 1/1: loss "));
  }
}
