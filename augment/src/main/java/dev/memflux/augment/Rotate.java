package dev.memflux.augment;

import java.util.Objects;

/**
 * Rotates counter-clockwise about the image centre by an angle drawn uniformly from [min, max]
 * degrees; pixels that come from outside the image take the fill value. {@link #of} picks the
 * implementation for the interpolation: nearest rotation only moves pixels, so it composes with
 * flips and crops into one pass.
 */
abstract class Rotate implements ImageOp {

  private final double minDegrees;
  private final double maxDegrees;
  private final float fill;
  private final Interpolation interpolation;

  Rotate(double minDegrees, double maxDegrees, float fill, Interpolation interpolation) {
    if (!(Double.isFinite(minDegrees) && Double.isFinite(maxDegrees) && minDegrees <= maxDegrees)) {
      throw new IllegalArgumentException(
          "rotate needs finite degrees with min <= max, was ["
              + minDegrees
              + ", "
              + maxDegrees
              + "]");
    }
    if (!Float.isFinite(fill)) {
      throw new IllegalArgumentException("rotate fill must be finite, was " + fill);
    }
    this.minDegrees = minDegrees;
    this.maxDegrees = maxDegrees;
    this.fill = fill;
    this.interpolation = interpolation;
  }

  static Rotate of(double minDegrees, double maxDegrees, float fill, Interpolation interpolation) {
    return switch (Objects.requireNonNull(interpolation, "interpolation")) {
      case NEAREST -> new NearestRotate(minDegrees, maxDegrees, fill);
      case BILINEAR -> new BilinearRotate(minDegrees, maxDegrees, fill);
    };
  }

  /** Draws the angle in radians; the one draw a rotation makes. */
  final double angle(Rng rng) {
    return Math.toRadians(rng.uniform(minDegrees, maxDegrees));
  }

  /** cos(90 deg) is 6e-17, not 0: snapping makes multiples of 90 deg an exact pixel permutation. */
  static double snap(double v) {
    double r = Math.rint(v);
    return Math.abs(v - r) < 1e-12 ? r : v;
  }

  /** The value of pixels that come from outside the image. */
  final float fill() {
    return fill;
  }

  @Override
  public String toString() {
    return "rotate(" + minDegrees + ", " + maxDegrees + ", " + interpolation + ")";
  }
}
