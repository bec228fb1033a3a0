package dev.memflux.augment;

/**
 * Blends every value with the image's mean grey level by a factor uniform in [max(0, 1 - delta), 1
 * + delta], like ColorJitter's contrast: grey is ITU-R 601 luma for three channels and the plain
 * mean otherwise. Float values are not clamped; integer fields are clamped when written back.
 */
final class Contrast implements ImageOp {

  private final double delta;

  Contrast(double delta) {
    this.delta = Jitter.check("contrast", delta);
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    float f = Jitter.factor(rng, delta);
    float[] v = s.array();
    int n = s.size();
    int plane = s.height() * s.width();
    double mean;
    if (s.channels() == 3) {
      double r = 0;
      double g = 0;
      double b = 0;
      for (int i = 0; i < plane; i++) {
        r += v[i];
        g += v[plane + i];
        b += v[2 * plane + i];
      }
      mean = (0.2989 * r + 0.587 * g + 0.114 * b) / plane;
    } else {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += v[i];
      }
      mean = sum / n;
    }
    float offset = (float) ((1 - f) * mean);
    for (int i = 0; i < n; i++) {
      v[i] = v[i] * f + offset;
    }
  }

  @Override
  public String toString() {
    return "contrast(" + delta + ")";
  }
}
