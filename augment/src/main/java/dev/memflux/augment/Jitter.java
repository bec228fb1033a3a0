package dev.memflux.augment;

/** Validation and the factor draw shared by brightness and contrast, as in ColorJitter. */
final class Jitter {

  private Jitter() {}

  static double check(String op, double delta) {
    if (!(delta >= 0 && Double.isFinite(delta))) {
      throw new IllegalArgumentException(op + " delta must be finite and >= 0, was " + delta);
    }
    return delta;
  }

  /** A factor uniform in [max(0, 1 - delta), 1 + delta]. */
  static float factor(Rng rng, double delta) {
    return (float) rng.uniform(Math.max(0, 1 - delta), 1 + delta);
  }
}
