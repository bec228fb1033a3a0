package dev.memflux.core.testing;

import java.time.Duration;

/**
 * Waits for what finishes on another thread: memflux's stages release batches, end threads and
 * close NDArrays on their own threads, shortly after the subscriber saw the end.
 *
 * <pre>{@code
 * Eventually.within(Duration.ofSeconds(10), () -> assertThat(pool.outstanding()).isZero());
 * }</pre>
 */
public final class Eventually {

  private Eventually() {}

  /**
   * Retries {@code assertion} every 10 ms until it passes or {@code timeout} ends, then rethrows
   * its last error.
   */
  public static void within(Duration timeout, Runnable assertion) {
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
