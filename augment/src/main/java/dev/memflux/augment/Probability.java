package dev.memflux.augment;

/** Validation shared by the ops that fire with a probability. */
final class Probability {

  private Probability() {}

  static double check(String op, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(op + " probability must be in [0, 1], was " + p);
    }
    return p;
  }
}
