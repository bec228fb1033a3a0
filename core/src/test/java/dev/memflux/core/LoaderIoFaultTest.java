package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Cancels, subscriber errors, truncation mid-read, a closed or replaced file, with the fields read
 * from their files ({@link IoMode#BUFFERED}, {@link IoMode#DIRECT}): every pooled buffer comes back
 * once the reads in flight have finished, no {@code memflux-io} or gather thread lives on, and the
 * error names the file. The mapped mode's own suite is {@link LoaderFaultTest}.
 */
class LoaderIoFaultTest {

  static final int ROWS = 500;
  static final int WIDTH = 4;
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;
  Set<Long> threadsBefore;

  @BeforeEach
  void open() throws IOException {
    x = TestData.features(dir, ROWS, WIDTH);
    y = TestData.labels(dir, ROWS);
    threadsBefore = Leaks.memfluxThreads();
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  Loader randomLoader(SplittableRandom random, IoMode mode) {
    Shuffle shuffle =
        switch (random.nextInt(3)) {
          case 0 -> Shuffle.none();
          case 1 -> Shuffle.random(random.nextLong());
          default -> Shuffle.blocks(1 + random.nextInt(64), random.nextLong());
        };
    int worldSize = 1 + random.nextInt(3);
    return Loader.builder(x, y)
        .io(mode)
        .batchSize(1 + random.nextInt(8))
        .dropLast(random.nextBoolean())
        .shuffle(shuffle)
        .shard(random.nextInt(worldSize), worldSize)
        .epochs(1 + random.nextInt(2))
        .prefetch(1 + random.nextInt(4))
        .gatherThreads(1 + random.nextInt(3))
        .ioDepth(1 + random.nextInt(16))
        .build();
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"BUFFERED", "DIRECT"})
  void cancelAtRandomPointsClosesEveryBufferAndStopsEveryThread(IoMode mode) {
    SplittableRandom random = new SplittableRandom(0x5EED_1001L);
    for (int trial = 0; trial < 150; trial++) {
      Loader loader = randomLoader(random, mode);
      long perEpoch = loader.batchesPerEpoch();
      if (random.nextBoolean()) {
        // dispose from another thread at a random moment while batches stream
        LoaderFaultTest.Cancelling s =
            new LoaderFaultTest.Cancelling(Long.MAX_VALUE, 1 + random.nextInt(8));
        Disposable d = s;
        loader.batches().subscribe(s);
        long until = System.nanoTime() + random.nextLong(2_000_000);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        d.dispose();
        assertThat(s.error.get()).as("trial %d", trial).isNull();
      } else {
        // a take() that cancels upstream with reads still in flight
        long n = 1 + random.nextLong(Math.min(perEpoch, 60));
        AtomicLong got = new AtomicLong();
        TestData.closingDiscards(loader.batches().take(n))
            .doOnNext(
                b -> {
                  try (b) {
                    TestData.checkContents(b, WIDTH);
                    got.incrementAndGet();
                  }
                })
            .blockLast(WAIT);
        assertThat(got).as("trial %d", trial).hasValue(n);
      }
      Leaks.assertReleased(
          "trial " + trial + " " + LoaderFaultTest.describe(loader), loader.bufferPool());
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"BUFFERED", "DIRECT"})
  void subscriberThrowingClosesEverything(IoMode mode) {
    SplittableRandom random = new SplittableRandom(0x5EED_1003L);
    for (int trial = 0; trial < 40; trial++) {
      Loader loader = randomLoader(random, mode);
      long failAt = random.nextLong(Math.min(loader.batchesPerEpoch(), 80));
      StepVerifier.create(
              TestData.closingDiscards(
                  loader
                      .batches()
                      .doOnNext(
                          b -> {
                            try (b) {
                              if (b.sequence() == failAt && b.epoch() == 0) {
                                throw new IllegalStateException("injected at " + failAt);
                              }
                            }
                          })))
          .thenConsumeWhile(b -> true)
          .expectErrorMessage("injected at " + failAt)
          .verify(WAIT);
      Leaks.assertReleased("trial " + trial, loader.bufferPool());
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  @Test
  void aGatherSchedulerRefusingDeliveryEndsTheFluxWithTheCauseAndClosesEverything() {
    SplittableRandom random = new SplittableRandom(0x5EED_1002L);
    int trials = 60;
    int failed = 0;
    for (int trial = 0; trial < trials; trial++) {
      LoaderFaultTest.RefusingScheduler scheduler =
          new LoaderFaultTest.RefusingScheduler(1 + random.nextInt(6));
      try {
        Loader loader =
            Loader.builder(x, y)
                .io(IoMode.DIRECT)
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
              .hasCauseInstanceOf(RejectedExecutionException.class)
              .hasMessageContaining("injected: gather task");
        } else {
          assertThat(count.get()).isEqualTo(loader.batchesPerEpoch());
        }
        Leaks.assertReleased("trial " + trial, loader.bufferPool());
      } finally {
        scheduler.dispose();
      }
    }
    assertThat(failed).as("trials in which the fault fired").isGreaterThan(trials / 2);
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"BUFFERED", "DIRECT"})
  void aFileTruncatedMidReadEndsWithAnErrorNamingIt(IoMode mode) throws IOException {
    Shuffle[] shuffles = {Shuffle.none(), Shuffle.random(4), Shuffle.blocks(16, 5)};
    for (int v = 0; v < shuffles.length; v++) {
      Path sub = Files.createDirectories(dir.resolve("truncate-" + mode + v));
      NpyArray tx = TestData.features(sub, 4000, 64);
      NpyArray ty = TestData.labels(sub, 4000);
      Scheduler consumer = Schedulers.newSingle("test-consumer");
      try {
        Loader loader =
            Loader.builder(tx, ty)
                .io(mode)
                .batchSize(8)
                .epochs(4)
                .shuffle(shuffles[v])
                .prefetch(1 + v)
                .build();
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
        String what = mode + " " + shuffles[v];
        StepVerifier.create(TestData.closingDiscards(flux))
            .thenConsumeWhile(b -> true)
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .as(what)
                        .isInstanceOf(StageException.class)
                        .hasMessageContaining("gather stage failed")
                        .hasCauseInstanceOf(NpyAccessException.class)
                        .hasMessageContaining(tx.path().toString())
                        .hasMessageContaining("truncated"))
            .verify(WAIT);
        Leaks.assertReleased(what, loader.bufferPool());
      } finally {
        consumer.dispose();
        tx.close();
        ty.close();
      }
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  @Test
  void closingAnArrayMidStreamEndsTheReadsWithAnErrorNamingIt() {
    Loader loader =
        Loader.builder(x, y).io(IoMode.DIRECT).batchSize(4).shuffle(Shuffle.random(1)).build();
    StepVerifier.create(TestData.closingDiscards(loader.batches()), 2)
        .consumeNextWith(Batch::close)
        .consumeNextWith(Batch::close)
        .then(x::close)
        .thenRequest(Long.MAX_VALUE)
        .thenConsumeWhile(b -> true, Batch::close)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(StageException.class)
                    .hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(x.path() + " is closed"))
        .verify(WAIT);
    Leaks.assertReleased("closed", loader.bufferPool());
  }

  @Test
  void aFileReplacedSinceOpeningIsRefusedNotRead() throws IOException {
    Loader loader = Loader.builder(x, y).io(IoMode.BUFFERED).batchSize(4).build();
    Path copy = dir.resolve("copy.npy");
    Files.copy(x.path(), copy);
    Files.move(copy, x.path(), StandardCopyOption.REPLACE_EXISTING);
    StepVerifier.create(loader.batches())
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(x.path().toString())
                    .hasMessageContaining("was replaced since the array was opened"))
        .verify(WAIT);
    // the mapped path still reads the old file, which the array keeps open
    assertThat(TestData.ids(Loader.builder(x, y).io(IoMode.MAPPED).build())).hasSize(ROWS);
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }
}
