package dev.memflux.augment;

/** Mirrors top-bottom with probability {@code p}. */
final class VerticalFlip implements PixelMove {

  private final double p;

  VerticalFlip(double p) {
    this.p = Probability.check("verticalFlip", p);
  }

  @Override
  public void compose(Resampler moves, Rng rng) {
    if (rng.nextDouble() < p) {
      moves.flipRows();
    }
  }

  @Override
  public String toString() {
    return "verticalFlip(" + p + ")";
  }
}
