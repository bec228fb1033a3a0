package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferPoolTest {

  @TempDir Path dir;
  NpyArray x;
  LogCapture log;

  @BeforeEach
  void setUp() throws IOException {
    x = TestData.features(dir, 64, 4);
    log = LogCapture.of(BufferPool.class);
  }

  @AfterEach
  void tearDown() {
    log.close();
    x.close();
  }

  @Test
  void closedLeasesReturnForReuseWithoutTheCleaner() {
    BufferPool pool = new BufferPool(2);
    PooledBuffer a = pool.acquire(64);
    a.close();
    a.close();
    PooledBuffer b = pool.acquire(64);
    assertThat(pool.allocated()).isOne();
    assertThat(pool.outstanding()).isOne();
    b.close();
    assertThat(pool.outstanding()).isZero();
    assertThat(pool.reclaimed()).isZero();
    assertThat(log.records()).isEmpty();
  }

  /**
   * A batch lost after a stage handed it on (a subscriber's filter without a discard hook) is
   * reclaimed by the garbage collector, and the first such batch logs one warning naming the stage;
   * later ones are only counted.
   */
  @Test
  void aBatchLostAfterAStageLogsOneWarningNamingTheStage() throws InterruptedException {
    Loader loader = Loader.builder(x).batchSize(8).build();
    for (int lost = 1; lost <= 3; lost++) {
      loader
          .batches()
          .take(1)
          .doOnNext(b -> b.handedOnBy("leaky-test-stage")) // as StageLifecycle does
          .blockLast(Duration.ofSeconds(5)); // and nobody closes it
      awaitReclaimed(loader.bufferPool(), lost);
    }
    assertThat(log.records()).hasSize(1);
    LogRecord warning = log.records().get(0);
    assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
    assertThat(warning.getMessage())
        .contains("a batch handed on by the leaky-test-stage stage was never closed")
        .contains(".doOnDiscard(Batch.class, Batch::close)")
        .contains("BufferPool.reclaimed()");
  }

  private static void awaitReclaimed(BufferPool pool, long count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (pool.reclaimed() < count && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(pool.reclaimed()).isEqualTo(count);
    assertThat(pool.outstanding()).isZero();
  }
}
