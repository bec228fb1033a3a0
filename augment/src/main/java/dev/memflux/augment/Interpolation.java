package dev.memflux.augment;

/** How {@link Augment#rotate(double, double, Interpolation)} samples between source pixels. */
public enum Interpolation {
  /**
   * The source pixel nearest to the point that maps onto each output pixel (torchvision's default
   * for {@code RandomRotation}): no new values are made, at about 40% of bilinear's cost for a
   * rotation alone.
   */
  NEAREST,
  /** The weighted mean of the four source pixels around that point: smoother edges. */
  BILINEAR
}
