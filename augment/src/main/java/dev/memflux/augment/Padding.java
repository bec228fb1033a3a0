package dev.memflux.augment;

/** How {@link Augment#randomCrop(int, int, Padding)} fills the border it pads the image with. */
public enum Padding {
  /** Pads with the value 0 (of the values the sample holds at that point of the pipeline). */
  ZERO,
  /**
   * Mirrors the image without repeating the edge pixel, like numpy's and torchvision's {@code
   * reflect}: padding must be smaller than the image's height and width.
   */
  REFLECT
}
