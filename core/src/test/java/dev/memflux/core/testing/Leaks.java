package dev.memflux.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.BufferPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Leak checks for a pipeline's tests: pooled buffers closed rather than left to the garbage
 * collector, and no memflux thread outliving its pipeline. Each waits a little (up to 10 s for
 * buffers and threads, 20 s for the collector), since stages release on their own threads.
 *
 * <pre>{@code
 * Set<Long> threads = Leaks.memfluxThreads();
 * loader.batches().transform(myStage).doOnNext(Batch::close).blockLast(Duration.ofSeconds(30));
 * Leaks.assertReleased("my stage", loader.bufferPool());   // every buffer closed
 * Leaks.assertNoNewMemfluxThreads(threads, "my stage");    // every memflux-* thread ended
 * }</pre>
 */
public final class Leaks {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Leaks() {}

  /** Ids of the live threads named {@code memflux-*}, to compare with after a pipeline ran. */
  public static Set<Long> memfluxThreads() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("memflux-") && t.isAlive()) {
        ids.add(t.getId());
      }
    }
    return ids;
  }

  /**
   * Waits until no memflux thread that was not in {@code before} is alive; fails naming each one,
   * with its state and stack, when some still are after 10 s.
   */
  public static void assertNoNewMemfluxThreads(Set<Long> before, String what) {
    Eventually.within(
        WAIT,
        () -> {
          List<String> alive = new ArrayList<>();
          for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("memflux-") && t.isAlive() && !before.contains(t.getId())) {
              alive.add(t.getName() + " " + t.getState() + " at " + List.of(t.getStackTrace()));
            }
          }
          assertThat(alive)
              .as("%s: memflux threads still running after the pipeline ended", what)
              .isEmpty();
        });
  }

  /**
   * Waits until every pool has nothing leased, then checks that none of its buffers was left to the
   * garbage collector: every batch was closed by whoever had it.
   */
  public static void assertReleased(String what, BufferPool... pools) {
    for (BufferPool pool : pools) {
      Eventually.within(
          WAIT, () -> assertThat(pool.outstanding()).as("%s: buffers still leased", what).isZero());
      assertThat(pool.reclaimed()).as("%s: buffers left to the GC", what).isZero();
    }
  }

  /**
   * Waits, collecting garbage, until {@code pool} has nothing leased: every buffer closed or, for a
   * batch that an operator dropped without a discard hook, taken back by the pool's Cleaner. For
   * pipelines with such operators (reactor-core 3.8's {@code flatMapSequential} and {@code
   * parallel()} on cancel, issue 4379), where {@link #assertReleased} would fail.
   */
  public static void awaitDrained(String what, BufferPool pool) {
    Eventually.within(
        WAIT.multipliedBy(2),
        () -> {
          System.gc();
          assertThat(pool.outstanding())
              .as("%s: buffers neither closed nor reclaimed", what)
              .isZero();
        });
  }
}
