package dev.memflux.augment;

import java.util.Objects;

/**
 * Pads each side by {@code padding} and crops a {@code size x size} window at a uniformly drawn
 * offset, like torchvision's {@code RandomCrop(size, padding, padding_mode)}; the padded image is
 * never materialised, and the window is composed with neighbouring moves by the {@link Resampler}.
 */
final class RandomCrop implements PixelMove {

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
    this.mode = Objects.requireNonNull(mode, "mode");
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
  public void compose(Resampler moves, Rng rng) {
    int top = rng.nextInt(moves.height() + 2 * padding - size + 1) - padding;
    int left = rng.nextInt(moves.width() + 2 * padding - size + 1) - padding;
    moves.crop(top, left, size, size, mode);
  }

  @Override
  public String toString() {
    return "randomCrop(" + size + ", " + padding + ", " + mode + ")";
  }
}
