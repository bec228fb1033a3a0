package dev.memflux.augment;

/**
 * One per-sample op of the stage. Implementations are immutable and thread-safe; all per-sample
 * state lives in the {@link FloatSample} and the {@link Rng} they are handed.
 */
interface ImageOp {

  /**
   * Checks that the op fits an image of geometry {@code in} and returns the geometry it produces;
   * by default any image fits and keeps its geometry.
   *
   * @param field names the field and its shape for error messages
   * @throws IllegalArgumentException naming {@code field} when it does not fit
   */
  default Geometry outputOf(Geometry in, String field) {
    return in;
  }

  /**
   * Applies the op to one sample. {@code rng} is freshly seeded for this (sample, op): draw from it
   * and from nothing else, so the result is a pure function of the sample and the seed.
   */
  void apply(FloatSample sample, Rng rng);

  /** Short description naming the op and its arguments, used in errors and logs. */
  @Override
  String toString();
}
