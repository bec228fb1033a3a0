package dev.memflux.augment;

/**
 * Multiplies every value by a factor uniform in [max(0, 1 - delta), 1 + delta], like ColorJitter's
 * brightness. Float values are not clamped (the stage does not know their range); integer fields
 * are clamped to their type when written back.
 */
final class Brightness implements ImageOp {

  private final double delta;

  Brightness(double delta) {
    this.delta = Jitter.check("brightness", delta);
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    float f = Jitter.factor(rng, delta);
    float[] v = s.array();
    for (int i = 0, n = s.size(); i < n; i++) {
      v[i] *= f;
    }
  }

  @Override
  public String toString() {
    return "brightness(" + delta + ")";
  }
}
