package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.memflux.core.BufferPool;
import dev.memflux.core.testing.Eventually;
import dev.memflux.core.testing.Leaks;
import java.time.Duration;

/** The release check shared by the train tests: the stages release on their own threads. */
final class Released {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Released() {}

  /**
   * Polls until every pool has nothing leased, none of it left to the garbage collector, and {@code
   * manager} holds {@code arrays} NDArrays again.
   */
  static void assertReleased(String what, NDManager manager, int arrays, BufferPool... pools) {
    Leaks.assertReleased(what, pools);
    assertArrays(what, manager, arrays);
  }

  /** Polls until {@code manager} holds {@code arrays} NDArrays again. */
  static void assertArrays(String what, NDManager manager, int arrays) {
    Eventually.within(
        WAIT,
        () -> assertThat(manager.getManagedArrays()).as("%s: live NDArrays", what).hasSize(arrays));
  }
}
