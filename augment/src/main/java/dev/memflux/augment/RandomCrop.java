package dev.memflux.augment;

import java.util.Arrays;

/**
 * Pads each side by {@code padding} and crops a {@code size x size} window at a uniformly drawn
 * offset, like torchvision's {@code RandomCrop(size, padding, padding_mode)}; the padded image is
 * never materialised.
 */
final class RandomCrop implements ImageOp {

  private final int size;
  private final int padding;
  private final Padding mode;

  RandomCrop(int size, int padding, Padding mode) {
    if (size < 1) {
      throw new IllegalArgumentException("randomCrop size must be >= 1, was " + size);
    }
    if (padding < 0) {
      throw new IllegalArgumentException("randomCrop padding must be >= 0, was " + padding);
    }
    this.size = size;
    this.padding = padding;
    this.mode = java.util.Objects.requireNonNull(mode, "mode");
  }

  @Override
  public Geometry outputOf(Geometry in, String field) {
    if (size > in.height() + 2 * padding || size > in.width() + 2 * padding) {
      throw new IllegalArgumentException(
          this
              + ": crop larger than the padded image ("
              + (in.height() + 2 * padding)
              + "x"
              + (in.width() + 2 * padding)
              + ") of "
              + field);
    }
    if (mode == Padding.REFLECT && (padding >= in.height() || padding >= in.width())) {
      throw new IllegalArgumentException(
          this + ": reflect padding must be smaller than the image's height and width, " + field);
    }
    return new Geometry(in.channels(), size, size);
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    int h = s.height();
    int w = s.width();
    int top = rng.nextInt(h + 2 * padding - size + 1) - padding;
    int left = rng.nextInt(w + 2 * padding - size + 1) - padding;
    float[] src = s.array();
    float[] dst = s.spare();
    // Columns [inFrom, inTo) of the window read inside the image; the rest is padding.
    int inFrom = Math.max(0, -left);
    int inTo = Math.min(size, w - left);
    for (int c = 0; c < s.channels(); c++) {
      int srcPlane = c * h * w;
      int dstPlane = c * size * size;
      for (int y = 0; y < size; y++) {
        int sy = top + y;
        int out = dstPlane + y * size;
        if (mode == Padding.ZERO && (sy < 0 || sy >= h)) {
          Arrays.fill(dst, out, out + size, 0f);
          continue;
        }
        int row = srcPlane + reflect(sy, h) * w;
        if (inFrom < inTo) {
          System.arraycopy(src, row + left + inFrom, dst, out + inFrom, inTo - inFrom);
        }
        pad(src, row, left, w, dst, out, 0, inFrom);
        pad(src, row, left, w, dst, out, Math.max(inTo, 0), size);
      }
    }
    s.swap(size, size);
  }

  /** Fills window columns [from, to) of one output row, which lie outside the image. */
  private void pad(float[] src, int row, int left, int w, float[] dst, int out, int from, int to) {
    if (mode == Padding.ZERO) {
      Arrays.fill(dst, out + from, out + Math.max(from, to), 0f);
      return;
    }
    for (int x = from; x < to; x++) {
      dst[out + x] = src[row + reflect(left + x, w)];
    }
  }

  /** numpy's reflect: -1 maps to 1 and n to n - 2; valid for |overshoot| < n. */
  private static int reflect(int i, int n) {
    return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
  }

  @Override
  public String toString() {
    return "randomCrop(" + size + ", " + padding + ", " + mode + ")";
  }
}
