package dev.memflux.augment;

import java.util.Arrays;
import java.util.Objects;

/**
 * Rotates counter-clockwise about the image centre by an angle drawn uniformly from [min, max]
 * degrees, sampling the nearest source pixel or bilinearly; pixels that come from outside the image
 * take the fill value.
 */
final class Rotate implements ImageOp {

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
    this.interpolation = Objects.requireNonNull(interpolation, "interpolation");
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    double radians = Math.toRadians(rng.uniform(minDegrees, maxDegrees));
    double cos = snap(Math.cos(radians));
    double sin = snap(Math.sin(radians));
    if (interpolation == Interpolation.NEAREST) {
      nearest(s, cos, sin);
    } else {
      bilinear(s, cos, sin);
    }
    s.swap(s.height(), s.width());
  }

  /**
   * Per row, first finds each output pixel's source pixel, then copies plane by plane: the copy
   * loop is then tight and the coordinates are computed once for all channels.
   */
  private void nearest(FloatSample s, double cos, double sin) {
    float[] src = s.array();
    float[] dst = s.spare();
    int channels = s.channels();
    int h = s.height();
    int w = s.width();
    int plane = h * w;
    int[] source = s.rowIndex();
    double cx = (w - 1) / 2.0;
    double cy = (h - 1) / 2.0;
    // Coordinates step in 32.32 fixed point: a shift floors them, which is several times cheaper
    // than converting a double, and right angles stay exact (every step is 0 or +-1).
    long stepX = fixed(cos);
    long stepY = fixed(sin);
    for (int y = 0; y < h; y++) {
      double dy = y - cy;
      long sx = fixed(cx - cx * cos - dy * sin + 0.5); // + 0.5: flooring then rounds half up
      long sy = fixed(cy - cx * sin + dy * cos + 0.5);
      // The pixels of a row that come from inside the image form one span (a line meets the
      // image rectangle in one segment): copy it without a per-pixel test, fill either side.
      int first = w;
      int end = 0;
      for (int x = 0; x < w; x++, sx += stepX, sy += stepY) {
        int x0 = (int) (sx >> 32);
        int y0 = (int) (sy >> 32);
        if (x0 >= 0 && y0 >= 0 && x0 < w && y0 < h) {
          source[x] = y0 * w + x0;
          first = Math.min(first, x);
          end = x + 1;
        }
      }
      for (int c = 0, base = 0; c < channels; c++, base += plane) {
        int row = base + y * w;
        if (first >= end) {
          Arrays.fill(dst, row, row + w, fill);
          continue;
        }
        Arrays.fill(dst, row, row + first, fill);
        for (int x = first; x < end; x++) {
          dst[row + x] = src[base + source[x]];
        }
        Arrays.fill(dst, row + end, row + w, fill);
      }
    }
  }

  private void bilinear(FloatSample s, double cos, double sin) {
    float[] src = s.array();
    float[] dst = s.spare();
    int channels = s.channels();
    int h = s.height();
    int w = s.width();
    int plane = h * w;
    double cx = (w - 1) / 2.0;
    double cy = (h - 1) / 2.0;
    for (int y = 0; y < h; y++) {
      double dy = y - cy;
      // Inverse map: the source point that lands on (x, y) in image (y-down) coordinates. Along a
      // row it moves by (cos, sin) per pixel; stepping is exact for right angles (cos and sin are
      // then exactly 0 or +-1), so those stay an exact pixel permutation.
      double sx = cx - cx * cos - dy * sin;
      double sy = cy - cx * sin + dy * cos;
      int out = y * w;
      for (int x = 0; x < w; x++, out++, sx += cos, sy += sin) {
        int x0 = floor(sx);
        int y0 = floor(sy);
        float fx = (float) (sx - x0);
        float fy = (float) (sy - y0);
        float w00 = (1 - fx) * (1 - fy);
        float w10 = fx * (1 - fy);
        float w01 = (1 - fx) * fy;
        float w11 = fx * fy;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
          int i = y0 * w + x0;
          for (int c = 0, base = 0; c < channels; c++, base += plane) {
            dst[base + out] =
                src[base + i] * w00
                    + src[base + i + 1] * w10
                    + src[base + i + w] * w01
                    + src[base + i + w + 1] * w11;
          }
        } else {
          for (int c = 0, base = 0; c < channels; c++, base += plane) {
            dst[base + out] =
                at(src, base, x0, y0, w, h, w00)
                    + at(src, base, x0 + 1, y0, w, h, w10)
                    + at(src, base, x0, y0 + 1, w, h, w01)
                    + at(src, base, x0 + 1, y0 + 1, w, h, w11);
          }
        }
      }
    }
  }

  /**
   * A corner's weighted contribution; corners of weight 0 add nothing, so right angles stay exact.
   */
  private float at(float[] src, int base, int x, int y, int w, int h, float weight) {
    if (weight == 0) {
      return 0;
    }
    return weight * (x >= 0 && y >= 0 && x < w && y < h ? src[base + y * w + x] : fill);
  }

  private static long fixed(double v) {
    return Math.round(v * 0x1p32);
  }

  /** Math.floor for the range of pixel coordinates, without its slower general path. */
  private static int floor(double v) {
    int i = (int) v;
    return v < i ? i - 1 : i;
  }

  /** cos(90°) is 6e-17, not 0: snapping makes multiples of 90° an exact pixel permutation. */
  private static double snap(double v) {
    double r = Math.rint(v);
    return Math.abs(v - r) < 1e-12 ? r : v;
  }

  @Override
  public String toString() {
    return "rotate(" + minDegrees + ", " + maxDegrees + ", " + interpolation + ")";
  }
}
