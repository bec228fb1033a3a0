package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Leak checks shared by the fault tests of every module (published in core's test jar): pooled
 * buffers closed rather than left to the garbage collector, and no memflux thread outliving its
 * pipeline. Both poll briefly, since stages release on their own threads.
 */
public final class Leaks {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Leaks() {}

  /** Ids of the live threads named {@code memflux-*}. */
  public static Set<Long> memfluxThreads() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("memflux-") && t.isAlive()) {
        ids.add(t.getId());
      }
    }
    return ids;
  }

  /** Polls until no memflux thread that was not in {@code before} is alive. */
  public static void assertNoNewMemfluxThreads(Set<Long> before, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<String> alive;
    do {
      alive = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("memflux-") && t.isAlive() && !before.contains(t.getId())) {
          alive.add(t.getName() + " " + t.getState() + " at " + List.of(t.getStackTrace()));
        }
      }
      if (alive.isEmpty()) {
        return;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < deadline);
    assertThat(alive)
        .as("%s: memflux threads still running after the pipeline ended", what)
        .isEmpty();
  }

  /**
   * Polls, collecting garbage, until {@code pool} has nothing leased: every buffer closed or, for a
   * batch that Reactor dropped without discarding it, taken back by the pool's Cleaner.
   */
  public static void awaitReturnedOrReclaimed(String what, BufferPool pool)
      throws InterruptedException {
    long deadline = System.nanoTime() + 2 * WAIT.toNanos();
    while (pool.outstanding() != 0 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(pool.outstanding()).as("%s: buffers neither closed nor reclaimed", what).isZero();
  }

  /** Polls until every pool has nothing leased, then checks none was reclaimed by the GC. */
  public static void assertReleased(String what, BufferPool... pools) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (BufferPool pool : pools) {
      while (pool.outstanding() != 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(pool.outstanding()).as("%s: buffers still leased", what).isZero();
      assertThat(pool.reclaimed()).as("%s: buffers left to the GC", what).isZero();
    }
  }
}
