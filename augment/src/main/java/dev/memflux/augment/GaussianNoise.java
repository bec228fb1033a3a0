package dev.memflux.augment;

/** Adds independent normal noise of standard deviation {@code sigma} to every value. */
final class GaussianNoise implements ImageOp {

  private final float sigma;

  GaussianNoise(double sigma) {
    if (!(sigma >= 0 && Double.isFinite(sigma))) {
      throw new IllegalArgumentException(
          "gaussianNoise sigma must be finite and >= 0, was " + sigma);
    }
    this.sigma = (float) sigma;
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    rng.gaussians(s.array(), s.size(), sigma);
  }

  @Override
  public String toString() {
    return "gaussianNoise(" + sigma + ")";
  }
}
