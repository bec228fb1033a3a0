package dev.memflux.train;

/** Closing that never throws, for cleanup paths that must go on releasing the rest. */
final class Closing {

  private Closing() {}

  /** Closes {@code resource}; returns what it threw, or {@code null}. */
  static Throwable quietly(AutoCloseable resource) {
    try {
      resource.close();
      return null;
    } catch (Exception | LinkageError e) {
      return e;
    }
  }
}
