package dev.memflux.augment;

/**
 * Rotation sampling the source pixel nearest to the point that maps onto each output pixel: a pure
 * pixel move, composed with its neighbouring flips and crops by the {@link Resampler}.
 */
final class NearestRotate extends Rotate implements PixelMove {

  NearestRotate(double minDegrees, double maxDegrees, float fill) {
    super(minDegrees, maxDegrees, fill, Interpolation.NEAREST);
  }

  @Override
  public void compose(Resampler moves, Rng rng) {
    double radians = angle(rng);
    moves.rotate(snap(Math.cos(radians)), snap(Math.sin(radians)), fill());
  }
}
