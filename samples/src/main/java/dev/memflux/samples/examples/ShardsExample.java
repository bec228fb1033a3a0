package dev.memflux.samples.examples;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Shards: the rows of several {@code np.save} files as one dataset, shuffled across files, each row
 * once per epoch. Python wrote them with {@code np.save(f"x_{k}.npy", x_k); np.save(f"y_{k}.npy",
 * y_k)}.
 *
 * <pre>
 * java -cp memflux.jar dev.memflux.samples.examples.ShardsExample DIR
 * </pre>
 */
public final class ShardsExample {

  private ShardsExample() {}

  /**
   * Reads two epochs of the shards in {@code DIR}.
   *
   * @param args the directory holding {@code x_*.npy} and {@code y_*.npy}
   */
  public static void main(String[] args) throws IOException {
    run(Path.of(args[0]), System.out);
  }

  /**
   * Reads two epochs of the shards in {@code dir}, printing the arrays and each epoch.
   *
   * @return the rows delivered
   */
  @CanIgnoreReturnValue // printed to out; returned for the tests
  static long run(Path dir, PrintStream out) throws IOException {
    // x_0.npy, x_1.npy, ..., x_10.npy in that order (numbers compared by value), as one array
    try (NpyArray x = NpyArray.openShards(dir, "x_*.npy");
        NpyArray y = NpyArray.openShards(dir, "y_*.npy")) {
      out.println("x: " + x);
      out.println("y: " + y);
      Loader loader =
          Loader.builder(x, y)
              .batchSize(64)
              .shuffle(Shuffle.random(42)) // across shards: sample i is row i of the whole
              .epochs(2)
              .build();
      return EpochTally.print(loader, out);
    }
  }
}
