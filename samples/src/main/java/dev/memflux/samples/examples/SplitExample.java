package dev.memflux.samples.examples;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.stream.LongStream;

/**
 * A 90/10 train/validation split of one pair of files, {@code x[:n]} and {@code x[n:]}, and a
 * subset of rows ({@code np.take(x, ids, axis=0)}): views of the mapped files, nothing copied.
 *
 * <pre>
 * java -cp memflux.jar dev.memflux.samples.examples.SplitExample x.npy y.npy
 * </pre>
 */
public final class SplitExample {

  private SplitExample() {}

  /**
   * Splits the arrays and reads an epoch of each part.
   *
   * @param args the inputs' and the labels' .npy files
   */
  public static void main(String[] args) throws IOException {
    run(Path.of(args[0]), Path.of(args[1]), System.out);
  }

  /**
   * Reads one epoch of the training part, the validation part and every even row of the training
   * part.
   *
   * @return the rows delivered
   */
  @CanIgnoreReturnValue // printed to out; returned for the tests
  static long run(Path xPath, Path yPath, PrintStream out) throws IOException {
    try (NpyArray x = NpyArray.open(xPath);
        NpyArray y = NpyArray.open(yPath)) {
      long n = x.rows() * 9 / 10;
      NpyArray trainX = x.slice(0, n); // x[:n]
      NpyArray trainY = y.slice(0, n);
      NpyArray validationX = x.slice(n, x.rows()); // x[n:]
      NpyArray validationY = y.slice(n, y.rows());
      long[] even = LongStream.range(0, n).filter(i -> i % 2 == 0).toArray();
      NpyArray subsetX = trainX.take(even); // np.take(train_x, even, axis=0)
      NpyArray subsetY = trainY.take(even);

      out.println("train: " + trainX.rows() + " rows, validation: " + validationX.rows() + " rows");
      Loader train =
          Loader.builder(trainX, trainY).batchSize(32).shuffle(Shuffle.random(1)).build();
      Loader validation = Loader.builder(validationX, validationY).batchSize(32).build();
      Loader subset = Loader.builder(subsetX, subsetY).batchSize(32).build();
      out.print("train ");
      long rows = EpochTally.print(train, out);
      out.print("validation ");
      rows += EpochTally.print(validation, out);
      out.print("even rows ");
      return rows + EpochTally.print(subset, out);
    }
  }
}
