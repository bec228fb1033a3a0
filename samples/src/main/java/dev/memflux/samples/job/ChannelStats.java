package dev.memflux.samples.job;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.nio.ByteBuffer;

/**
 * Per-channel mean and standard deviation of uint8 images {@code (N, C, H, W)}, scaled to [0, 1]:
 * the values that standardise the network's input, estimated from the training images only.
 *
 * @param mean per channel
 * @param std per channel, never 0
 */
public record ChannelStats(float[] mean, float[] std) {

  /** Rows read, at most: an estimate this size is within a fraction of a percent of the truth. */
  static final int MAX_ROWS = 10_000;

  private static final int ROWS_PER_READ = 500;

  /** Copies the arrays in. */
  public ChannelStats {
    mean = mean.clone();
    std = std.clone();
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /**
   * Whether every channel was one value in the rows read: such images carry nothing to learn, and
   * standardised they are all zeros, on which a network's gradients vanish. A constant channel's
   * {@code std} is 1 (see {@link #of}); a real one of values in [0, 1] is at most 0.5.
   */
  public boolean constant() {
    for (float s : std) {
      if (s != 1f) {
        return false;
      }
    }
    return true;
  }

  /** True for unsigned bytes, in whichever byte order the file names (it does not matter). */
  public static boolean isUint8(DType type) {
    return type.kind() == DType.Kind.UINT && type.itemSize() == 1;
  }

  /**
   * Estimates the statistics from up to {@link #MAX_ROWS} rows spread evenly over {@code images}.
   *
   * @throws IllegalArgumentException when the array is not uint8 {@code (N, C, H, W)} with N > 0
   */
  public static ChannelStats of(NpyArray images) {
    if (images.ndim() != 4 || !isUint8(images.dtype()) || images.rows() == 0) {
      throw new IllegalArgumentException(
          images.path() + ": expected uint8 images (N, C, H, W), found " + images);
    }
    int channels = (int) images.shape()[1];
    int plane = (int) (images.rowBytes() / channels);
    int rows = (int) Math.min(MAX_ROWS, images.rows());
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = i * images.rows() / rows;
    }
    double[] sum = new double[channels];
    double[] sumSquares = new double[channels];
    ByteBuffer buffer = ByteBuffer.allocate((int) images.rowBytes() * ROWS_PER_READ);
    for (int from = 0; from < rows; from += ROWS_PER_READ) {
      int count = Math.min(ROWS_PER_READ, rows - from);
      buffer.clear();
      images.gather(ids, from, count, buffer);
      byte[] bytes = buffer.array();
      for (int r = 0; r < count; r++) {
        for (int c = 0; c < channels; c++) {
          int base = (r * channels + c) * plane;
          for (int p = 0; p < plane; p++) {
            int v = bytes[base + p] & 0xff;
            sum[c] += v;
            sumSquares[c] += (double) v * v;
          }
        }
      }
    }
    float[] mean = new float[channels];
    float[] std = new float[channels];
    double n = (double) rows * plane;
    for (int c = 0; c < channels; c++) {
      double m = sum[c] / n;
      double variance = Math.max(0, sumSquares[c] / n - m * m);
      mean[c] = (float) (m / 255);
      // A constant channel would divide by zero: leave its scale alone instead.
      std[c] = variance > 0 ? (float) (Math.sqrt(variance) / 255) : 1f;
    }
    return new ChannelStats(mean, std);
  }
}
