package dev.memflux.augment;

/** What the augmentation stage does when an op throws on a sample. */
public enum ErrorPolicy {
  /**
   * Ends the Flux with an {@link AugmentException} naming the op, the sample id and the epoch (the
   * lowest failing position of the batch, so the error does not depend on thread timing).
   */
  FAIL,
  /**
   * Drops the failing sample from its batch, counts it in {@link Augment#skipped()} and logs the
   * first occurrence of each distinct cause (op and exception type) at WARN. A batch whose every
   * sample fails is dropped whole.
   */
  SKIP
}
