package dev.memflux.augment;

/** Mirrors left-right with probability {@code p}. */
final class HorizontalFlip implements PixelMove {

  private final double p;

  HorizontalFlip(double p) {
    this.p = Probability.check("horizontalFlip", p);
  }

  @Override
  public void compose(Resampler moves, Rng rng) {
    if (rng.nextDouble() < p) {
      moves.flipColumns();
    }
  }

  @Override
  public String toString() {
    return "horizontalFlip(" + p + ")";
  }
}
