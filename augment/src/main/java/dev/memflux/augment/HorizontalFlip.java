package dev.memflux.augment;

/** Mirrors left-right with probability {@code p}. */
final class HorizontalFlip implements ImageOp {

  private final double p;

  HorizontalFlip(double p) {
    this.p = Probability.check("horizontalFlip", p);
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    if (rng.nextDouble() >= p) {
      return;
    }
    float[] v = s.array();
    int w = s.width();
    int rows = s.channels() * s.height();
    for (int r = 0; r < rows; r++) {
      for (int i = r * w, j = i + w - 1; i < j; i++, j--) {
        float t = v[i];
        v[i] = v[j];
        v[j] = t;
      }
    }
  }

  @Override
  public String toString() {
    return "horizontalFlip(" + p + ")";
  }
}
