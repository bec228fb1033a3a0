package dev.memflux.augment;

/** Mirrors top-bottom with probability {@code p}. */
final class VerticalFlip implements ImageOp {

  private final double p;

  VerticalFlip(double p) {
    this.p = Probability.check("verticalFlip", p);
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    if (rng.nextDouble() >= p) {
      return;
    }
    float[] v = s.array();
    float[] row = s.spare();
    int w = s.width();
    int h = s.height();
    for (int c = 0; c < s.channels(); c++) {
      int base = c * h * w;
      for (int top = 0, bottom = h - 1; top < bottom; top++, bottom--) {
        System.arraycopy(v, base + top * w, row, 0, w);
        System.arraycopy(v, base + bottom * w, v, base + top * w, w);
        System.arraycopy(row, 0, v, base + bottom * w, w);
      }
    }
  }

  @Override
  public String toString() {
    return "verticalFlip(" + p + ")";
  }
}
