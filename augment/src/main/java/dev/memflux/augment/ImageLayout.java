package dev.memflux.augment;

/**
 * How an image field's row shape is laid out. Ops see every sample as channel planes whatever the
 * layout; the layout only tells how rows are read and written.
 */
public enum ImageLayout {
  /** Channels first: a row of shape {@code (C, H, W)}, or {@code (H, W)} meaning one channel. */
  CHW,
  /** Channels last: a row of shape {@code (H, W, C)}. */
  HWC
}
