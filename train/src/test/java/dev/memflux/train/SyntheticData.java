package dev.memflux.train;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A small, learnable classification set written as .npy files: {@code x} float32 [n, features],
 * {@code y} int64 [n] with the label the index of the largest of the first {@code classes}
 * features. An MLP reaches high accuracy on it within a few epochs.
 */
final class SyntheticData implements AutoCloseable {

  final NpyArray x;
  final NpyArray y;

  private SyntheticData(NpyArray x, NpyArray y) {
    this.x = x;
    this.y = y;
  }

  static SyntheticData create(Path dir, int n, int features, int classes, long seed)
      throws IOException {
    NpyArray x = NpyArray.create(dir.resolve("x.npy"), DType.FLOAT32, new long[] {n, features});
    NpyArray y = NpyArray.create(dir.resolve("y.npy"), DType.INT64, new long[] {n});
    SplittableRandom random = new SplittableRandom(seed);
    for (long i = 0; i < n; i++) {
      int best = 0;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (int f = 0; f < features; f++) {
        double v = random.nextDouble(-1, 1);
        x.setDouble(v, i, f);
        if (f < classes && v > bestValue) {
          bestValue = v;
          best = f;
        }
      }
      y.setLong(best, i);
    }
    return new SyntheticData(x, y);
  }

  @Override
  public void close() {
    x.close();
    y.close();
  }
}
