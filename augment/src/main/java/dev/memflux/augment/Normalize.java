package dev.memflux.augment;

import java.util.Arrays;

/** Per channel {@code (v - mean[c]) / std[c]}. */
final class Normalize implements ImageOp {

  private final float[] mean;
  private final float[] std;

  Normalize(float[] mean, float[] std) {
    if (mean.length != std.length || mean.length == 0) {
      throw new IllegalArgumentException(
          "normalize needs one mean and one std per channel, got "
              + mean.length
              + " means and "
              + std.length
              + " stds");
    }
    for (int c = 0; c < std.length; c++) {
      if (!(std[c] != 0 && Float.isFinite(std[c]) && Float.isFinite(mean[c]))) {
        throw new IllegalArgumentException(
            "normalize std must be finite and non-zero and mean finite, channel "
                + c
                + " has mean "
                + mean[c]
                + " and std "
                + std[c]);
      }
    }
    this.mean = mean.clone();
    this.std = std.clone();
  }

  @Override
  public Geometry outputOf(Geometry in, String field) {
    if (in.channels() != mean.length) {
      throw new IllegalArgumentException(
          this + " has " + mean.length + " channels but " + field + " has " + in.channels());
    }
    return in;
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    float[] v = s.array();
    int plane = s.height() * s.width();
    for (int c = 0; c < mean.length; c++) {
      float m = mean[c];
      float d = std[c];
      for (int i = c * plane, end = i + plane; i < end; i++) {
        v[i] = (v[i] - m) / d;
      }
    }
  }

  @Override
  public String toString() {
    return "normalize(" + Arrays.toString(mean) + ", " + Arrays.toString(std) + ")";
  }
}
