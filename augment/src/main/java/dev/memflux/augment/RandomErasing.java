package dev.memflux.augment;

/**
 * torchvision's {@code RandomErasing(p, scale=(minArea, maxArea), ratio=(0.3, 3.3), value=0)}: with
 * probability {@code p}, sets a rectangle of every channel to 0. The rectangle covers a uniformly
 * drawn share of the area with a log-uniform aspect ratio; up to 10 draws look for one that fits,
 * and the image stays as it is when none does.
 */
final class RandomErasing implements ImageOp {

  private static final double LOG_MIN_RATIO = Math.log(0.3);
  private static final double LOG_MAX_RATIO = Math.log(3.3);
  private static final int ATTEMPTS = 10;

  private final double p;
  private final double minArea;
  private final double maxArea;

  RandomErasing(double p, double minArea, double maxArea) {
    this.p = Probability.check("randomErasing", p);
    if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1)) {
      throw new IllegalArgumentException(
          "randomErasing needs 0 < minArea <= maxArea <= 1, was ["
              + minArea
              + ", "
              + maxArea
              + "]");
    }
    this.minArea = minArea;
    this.maxArea = maxArea;
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    if (rng.nextDouble() >= p) {
      return;
    }
    int h = s.height();
    int w = s.width();
    double area = (double) h * w;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      double target = area * rng.uniform(minArea, maxArea);
      double aspect = Math.exp(rng.uniform(LOG_MIN_RATIO, LOG_MAX_RATIO));
      int eh = (int) Math.round(Math.sqrt(target * aspect));
      int ew = (int) Math.round(Math.sqrt(target / aspect));
      if (eh >= h || ew >= w) {
        continue;
      }
      int top = rng.nextInt(h - eh + 1);
      int left = rng.nextInt(w - ew + 1);
      float[] v = s.array();
      for (int c = 0; c < s.channels(); c++) {
        for (int y = top; y < top + eh; y++) {
          int from = (c * h + y) * w + left;
          java.util.Arrays.fill(v, from, from + ew, 0f);
        }
      }
      return;
    }
  }

  @Override
  public String toString() {
    return "randomErasing(" + p + ", " + minArea + ", " + maxArea + ")";
  }
}
