package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.Leaks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Faults specific to the loader (a scheduler refusing work, a file truncated under it, bad
 * settings): afterwards every pooled buffer is closed (not left to the garbage collector), no
 * {@code memflux-gather} thread lives on, and the error names its cause. Cancels, subscriber and
 * upstream errors and dropping operators are the stage contract's ({@link LoaderContractTest}).
 * {@link LoaderFaultBufferedTest} and {@link LoaderFaultDirectTest} run these with the fields read
 * from their files.
 */
class LoaderFaultTest extends LoaderFixture {

  static final Duration WAIT = Duration.ofSeconds(10);

  // --------------------------------------------------------------------------- injected faults

  /**
   * A blocking-capable scheduler that refuses the {@code failAt}-th task, as a disposed one does.
   */
  static final class RefusingScheduler implements Scheduler {
    final Scheduler delegate = Schedulers.newBoundedElastic(4, 10_000, "test-gather");
    final AtomicInteger calls = new AtomicInteger();
    final int failAt;

    RefusingScheduler(int failAt) {
      this.failAt = failAt;
    }

    @Override
    public Disposable schedule(Runnable task) {
      if (calls.incrementAndGet() == failAt) {
        throw new RejectedExecutionException("injected: gather task " + failAt + " refused");
      }
      return delegate.schedule(task);
    }

    @Override
    public Worker createWorker() {
      return delegate.createWorker();
    }

    @Override
    public void dispose() {
      delegate.dispose();
    }
  }

  /** Where every loader of the suite starts; the subclasses read the fields from their files. */
  Loader.Builder builder(NpyArray... fields) {
    return Loader.builder(fields);
  }

  @Test
  void gatherSchedulerRefusingWorkEndsTheFluxWithTheCauseAndClosesEverything() {
    SplittableRandom random = new SplittableRandom(0x5EED_0002L);
    int trials = 150;
    int failed = 0;
    for (int trial = 0; trial < trials; trial++) {
      RefusingScheduler scheduler = new RefusingScheduler(1 + random.nextInt(6));
      try {
        Loader loader =
            builder(x, y)
                .batchSize(1 + random.nextInt(16))
                .shuffle(Shuffle.random(trial))
                .prefetch(1 + random.nextInt(4))
                .gatherThreads(1 + random.nextInt(3))
                .gatherScheduler(scheduler)
                .build();
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicLong count = new AtomicLong();
        TestData.closingDiscards(loader.batches())
            .doOnNext(
                b -> {
                  try (b) {
                    TestData.checkContents(b, WIDTH);
                    count.incrementAndGet();
                  }
                })
            .onErrorResume(
                e -> {
                  error.set(e);
                  return Mono.empty();
                })
            .blockLast(WAIT);
        if (error.get() != null) {
          failed++;
          assertThat(error.get())
              .isInstanceOf(StageException.class)
              .hasMessageContaining("gather stage failed")
              .hasCauseInstanceOf(RejectedExecutionException.class)
              .hasMessageContaining("injected: gather task");
        } else {
          // the refusal came after the last task the run needed: the epoch must be complete
          assertThat(count.get()).isEqualTo(loader.batchesPerEpoch());
        }
        Leaks.assertReleased("loader", loader.bufferPool());
      } finally {
        scheduler.dispose();
      }
    }
    assertThat(failed).as("trials in which the fault fired").isGreaterThan(trials / 2);
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  // --------------------------------------------------- truncated while mapped and being read

  Loader truncationLoader(NpyArray x, NpyArray y, int variant) {
    Loader.Builder b = builder(x, y).batchSize(8).epochs(4);
    return switch (variant) {
      case 0 -> b.shuffle(Shuffle.random(3)).build();
      case 1 -> b.shuffle(Shuffle.random(4)).gatherThreads(3).prefetch(4).build();
      case 2 -> b.shuffle(Shuffle.blocks(16, 5)).gatherThreads(2).prefetch(2).build();
      default -> b.build(); // in order, one thread
    };
  }

  @Test
  void fileTruncatedWhileShuffledMultiThreadedReadsEndWithAnErrorNamingIt() throws IOException {
    for (int v = 0; v < 4; v++) {
      final int variant = v;
      Path sub = dir.resolve("truncate-" + variant);
      java.nio.file.Files.createDirectories(sub);
      NpyArray tx = TestData.features(sub, 4000, 64);
      NpyArray ty = TestData.labels(sub, 4000);
      Scheduler consumer = Schedulers.newSingle("test-consumer");
      try {
        Loader loader = truncationLoader(tx, ty, variant);
        AtomicLong seen = new AtomicLong();
        Flux<Batch> flux =
            loader
                .batches()
                .publishOn(consumer, 2)
                .doOnNext(
                    b -> {
                      try (b) {
                        if (seen.incrementAndGet() == 5) {
                          TestData.truncate(tx.path(), 128);
                        }
                      }
                    });
        StepVerifier.create(TestData.closingDiscards(flux))
            .thenConsumeWhile(b -> true)
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .as("variant %d", variant)
                        .isInstanceOf(StageException.class)
                        .hasMessageContaining("gather stage failed")
                        .hasCauseInstanceOf(NpyAccessException.class)
                        .hasMessageContaining(tx.path().toString())
                        .hasMessageContaining("truncated"))
            .verify(WAIT);
        Leaks.assertReleased("loader", loader.bufferPool());
        // the JVM is alive and the array reports the fault again instead of crashing
        assertThatThrownBy(
                () ->
                    tx.gather(
                        new long[] {3999},
                        0,
                        1,
                        java.nio.ByteBuffer.allocateDirect((int) tx.rowBytes())))
            .isInstanceOf(NpyAccessException.class);
      } finally {
        consumer.dispose();
        tx.close();
        ty.close();
      }
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  // --------------------------------------------------------------------- configuration errors

  @Test
  void badSettingsAreRejectedAtBuildNamingTheOptionAndValue() throws IOException {
    NpyArray shortY = TestData.labels(dir, ROWS - 1);
    try {
      assertRejected(() -> builder(x, y).batchSize(0).build(), "batchSize", "0");
      assertRejected(() -> builder(x, y).batchSize(-3).build(), "batchSize", "-3");
      assertRejected(() -> builder(x, y).prefetch(0).build(), "prefetch", "0");
      assertRejected(() -> builder(x, y).gatherThreads(0).build(), "gatherThreads", "0");
      assertRejected(() -> builder(x, y).epochs(0).build(), "epochs", "0");
      assertRejected(() -> builder(x, y).shard(2, 2).build(), "rank", "2");
      assertRejected(() -> builder(x, y).shard(-1, 2).build(), "rank", "-1");
      assertRejected(() -> builder(x, y).shard(0, 0).build(), "worldSize", "0");
      assertRejected(
          () -> Loader.builder(x, shortY).build(),
          shortY.path().toString(),
          String.valueOf(ROWS - 1));
      assertRejected(() -> Loader.builder().build(), "field");
      // A batch buffer holds at most the rows a batch can get, so only a batch that really
      // needs more than 2 GiB is refused: here two sparse rows of 1 GiB.
      try (NpyArray wide =
          NpyArray.create(dir.resolve("wide.npy"), DType.UINT8, new long[] {2, 1L << 30})) {
        assertRejected(() -> Loader.builder(wide).batchSize(2).build(), "batchSize", "2");
        assertThat(Loader.builder(wide).batchSize(1).build().batchRows()).isEqualTo(1);
      }
      assertThat(builder(x, y).batchSize(Integer.MAX_VALUE).build().batchRows()).isEqualTo(ROWS);
    } finally {
      shortY.close();
    }
  }

  static void assertRejected(Runnable build, String... named) {
    assertThatThrownBy(build::run)
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .contains(named);
  }
}
