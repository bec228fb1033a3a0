package dev.memflux.train;

import java.time.Duration;

/** Waits for cleanup that finishes on another thread (gather, conversion, training). */
final class Eventually {

  private Eventually() {}

  /** Retries {@code assertion} until it passes or {@code timeout} ends, then rethrows its error. */
  static void within(Duration timeout, Runnable assertion) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting", e);
      }
    }
  }
}
