package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Faults and cancellations at seeded random points of the loader's stream: afterwards every pooled
 * buffer is closed (not left to the garbage collector), no {@code memflux-gather} thread lives on,
 * and the error names its cause. The contract of every read mode: {@link LoaderFaultBufferedTest}
 * and {@link LoaderFaultDirectTest} run it with the fields read from their files.
 */
class LoaderFaultTest {

  static final int ROWS = 500;
  static final int WIDTH = 4;
  static final Duration WAIT = Duration.ofSeconds(10);

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

  // ---------------------------------------------------------------- helpers shared by the trials

  /**
   * Where every trial's loader starts. The suite runs as is in the default (here mapped) mode; its
   * subclasses run it with the fields read from their files.
   */
  Loader.Builder builder(NpyArray... fields) {
    return Loader.builder(fields);
  }

  Loader randomLoader(SplittableRandom random) {
    Shuffle shuffle =
        switch (random.nextInt(3)) {
          case 0 -> Shuffle.none();
          case 1 -> Shuffle.random(random.nextLong());
          default -> Shuffle.blocks(1 + random.nextInt(64), random.nextLong());
        };
    int worldSize = 1 + random.nextInt(3);
    return builder(x, y)
        .batchSize(1 + random.nextInt(8))
        .dropLast(random.nextBoolean())
        .shuffle(shuffle)
        .shard(random.nextInt(worldSize), worldSize)
        .epochs(1 + random.nextInt(2))
        .prefetch(1 + random.nextInt(4))
        .gatherThreads(1 + random.nextInt(3))
        .build();
  }

  /** A subscriber that checks and closes each batch and cancels after {@code cancelAfter}. */
  static final class Cancelling extends BaseSubscriber<Batch> {
    final long cancelAfter;
    final long request;
    final AtomicLong seen = new AtomicLong();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean done;

    Cancelling(long cancelAfter, long request) {
      this.cancelAfter = cancelAfter;
      this.request = request;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
      if (cancelAfter == 0) {
        cancel();
      } else {
        request(request);
      }
    }

    @Override
    protected void hookOnNext(Batch b) {
      try (b) {
        TestData.checkContents(b, WIDTH);
      }
      if (seen.incrementAndGet() == cancelAfter) {
        cancel();
      } else if (seen.get() % request == 0) {
        request(request);
      }
    }

    @Override
    protected void hookOnError(Throwable t) {
      error.set(t);
    }

    @Override
    protected void hookFinally(reactor.core.publisher.SignalType type) {
      done = true;
    }
  }

  // ------------------------------------------------------------------------- cancellation trials

  @Test
  void cancelAtRandomPointsOfAnEpochClosesEveryBufferAndStopsEveryThread() {
    SplittableRandom random = new SplittableRandom(0x5EED_0001L);
    int trials = 600;
    for (int trial = 0; trial < trials; trial++) {
      Loader loader = randomLoader(random);
      long perEpoch = loader.batchesPerEpoch();
      int mode = random.nextInt(3);
      if (mode == 0) {
        // cancel from inside onNext after a chosen batch, with a random request size
        Cancelling s =
            new Cancelling(random.nextLong(Math.min(perEpoch, 120) + 1), 1 + random.nextInt(6));
        loader.batches().subscribe(s);
        awaitTrue(() -> s.done || s.seen.get() >= s.cancelAfter, "trial " + trial);
        assertThat(s.error.get()).as("trial %d", trial).isNull();
      } else if (mode == 1) {
        // dispose from another thread at a random moment while batches stream
        Cancelling s = new Cancelling(Long.MAX_VALUE, 1 + random.nextInt(8));
        Disposable d = s;
        loader.batches().subscribe(s);
        long spinNanos = random.nextLong(2_000_000);
        long until = System.nanoTime() + spinNanos;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        d.dispose();
        assertThat(s.error.get()).as("trial %d", trial).isNull();
      } else {
        // a take() that cancels upstream with gathers still in flight
        long n = 1 + random.nextLong(Math.min(perEpoch, 60));
        List<Batch> got = new ArrayList<>();
        TestData.closingDiscards(loader.batches().take(n))
            .doOnNext(
                b -> {
                  try (b) {
                    TestData.checkContents(b, WIDTH);
                  }
                })
            .doOnNext(got::add)
            .blockLast(WAIT);
        assertThat(got).hasSize((int) n);
      }
      Leaks.assertReleased(
          "trial " + trial + " mode " + mode + " " + describe(loader), loader.bufferPool());
      Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
    }
  }

  /**
   * The usage of the Loader javadoc: a plain subscriber that closes what it receives, no discard
   * hook of its own, disposed from another thread while batches are being delivered. A batch
   * already handed to the loader's own sink when the cancel lands must still be closed.
   */
  @Test
  void disposingAPlainSubscriberMidStreamClosesEveryBuffer() {
    SplittableRandom random = new SplittableRandom(0x5EED_0005L);
    Loader loader = builder(x, y).batchSize(8).prefetch(1).gatherThreads(3).epochs(2).build();
    for (int trial = 0; trial < 1000; trial++) {
      Cancelling s = new Cancelling(Long.MAX_VALUE, 1 + random.nextInt(8));
      Disposable d = s;
      loader.batches().subscribe(s);
      long until = System.nanoTime() + random.nextLong(1_000_000);
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      d.dispose();
      Leaks.assertReleased("trial " + trial, loader.bufferPool());
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  static String describe(Loader l) {
    return "[batchSize="
        + l.batchSize()
        + ", prefetch="
        + l.prefetch()
        + ", gatherThreads="
        + l.gatherThreads()
        + ", batchesPerEpoch="
        + l.batchesPerEpoch()
        + "]";
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out: " + what);
      }
      Thread.onSpinWait();
    }
  }

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

  @Test
  void subscriberThrowingAtARandomBatchClosesEverything() {
    SplittableRandom random = new SplittableRandom(0x5EED_0003L);
    for (int trial = 0; trial < 100; trial++) {
      Loader loader = randomLoader(random);
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
      Leaks.assertReleased("loader", loader.bufferPool());
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  // --------------------------------------------------- truncated while mapped and being read

  Loader truncationLoader(NpyArray x, NpyArray y, int variant) {
    Loader.Builder b = builder(x, y).batchSize(8).epochs(4);
    return switch (variant) {
      case 0 -> b.shuffle(Shuffle.random(3)).build();
      case 1 -> b.shuffle(Shuffle.random(4)).gatherThreads(3).prefetch(4).build();
      default -> b.shuffle(Shuffle.blocks(16, 5)).gatherThreads(2).prefetch(2).build();
    };
  }

  @Test
  void fileTruncatedWhileShuffledMultiThreadedReadsEndWithAnErrorNamingIt() throws IOException {
    for (int v = 0; v < 3; v++) {
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

  // ------------------------------------------------------------ operators that drop elements

  /**
   * An operator chain that drops batches. {@code reactorMayLose}: Reactor itself may drop a batch
   * there without calling the discard hook, so only the Cleaner can take it back.
   */
  record Dropper(String name, Function<Flux<Batch>, Flux<Batch>> op, boolean reactorMayLose) {
    Dropper(String name, Function<Flux<Batch>, Flux<Batch>> op) {
      this(name, op, false);
    }
  }

  static List<Dropper> droppers(Scheduler consumer) {
    return List.of(
        new Dropper("take", f -> f.take(7)),
        new Dropper("filter+take", f -> f.filter(b -> b.sequence() % 3 == 0).take(4)),
        new Dropper(
            "timeout",
            f ->
                f.concatMap(
                        b ->
                            Mono.just(b)
                                .delayElement(Duration.ofMillis(b.sequence() == 4 ? 300 : 0)),
                        1)
                    .timeout(Duration.ofMillis(100))
                    .onErrorResume(TimeoutException.class, e -> Mono.empty())),
        new Dropper(
            "sample",
            f -> f.sample(Duration.ofMillis(1)).take(5),
            // FluxSample keeps the latest value and its cancel() does not discard it
            // (reactor-core 3.8.7): a batch held there at cancel is lost, whatever the timing.
            true),
        new Dropper(
            "onBackpressureDrop",
            // the dropped ones never reach a discard hook: the drop consumer closes them
            f ->
                f.onBackpressureDrop(Batch::close)
                    .concatMap(b -> Mono.just(b).delayElement(Duration.ofMillis(1)), 1)
                    .take(6)),
        new Dropper("publishOn queue", f -> f.publishOn(consumer, 8).take(9)),
        new Dropper("limitRate", f -> f.limitRate(3).take(10)),
        new Dropper(
            "flatMap inner cancel",
            f ->
                f.flatMap(
                        b ->
                            Mono.just(b)
                                .delayElement(Duration.ofMillis(b.sequence() % 4))
                                .take(Duration.ofMillis(b.sequence() % 2 == 0 ? 0 : 50)),
                        4)
                    .take(5),
            // take(Duration) serialises its subscriber: a value that arrives just after its timer
            // completed it goes to onNextDropped, not to the discard hook (reactor-core 3.8.7).
            true),
        new Dropper(
            "flatMap inner error",
            f ->
                f.flatMap(
                        b ->
                            b.sequence() == 6
                                ? Mono.just(b)
                                    .then(Mono.<Batch>error(new IllegalStateException("inner")))
                                : Mono.just(b),
                        4)
                    .onErrorResume(IllegalStateException.class, e -> Mono.empty())),
        new Dropper("buffer", f -> f.buffer(3).take(3).concatMapIterable(list -> list)),
        new Dropper(
            "switchMap",
            f -> f.switchMap(b -> Mono.just(b).delayElement(Duration.ofMillis(1))).take(3)),
        new Dropper("skip+take", f -> f.skip(2).take(3)));
  }

  @Test
  void operatorsThatDropBatchesCloseThemThroughDiscardHooks() throws InterruptedException {
    Scheduler consumer = Schedulers.newSingle("test-consumer");
    try {
      SplittableRandom random = new SplittableRandom(0x5EED_0004L);
      for (Dropper d : droppers(consumer)) {
        for (int trial = 0; trial < 12; trial++) {
          Loader loader =
              builder(x, y)
                  .batchSize(1 + random.nextInt(8))
                  .shuffle(Shuffle.random(random.nextLong()))
                  .prefetch(1 + random.nextInt(4))
                  .gatherThreads(1 + random.nextInt(3))
                  .build();
          List<Long> delivered = new ArrayList<>();
          // The discard hook goes last: it only reaches the operators upstream of it.
          TestData.closingDiscards(
                  loader
                      .batches()
                      .transform(d.op())
                      .doOnNext(
                          b -> {
                            try (b) {
                              TestData.checkContents(b, WIDTH);
                              delivered.add(b.sequence());
                            }
                          }))
              .blockLast(WAIT);
          assertThat(delivered).as(d.name()).isNotEmpty();
          String what = d.name() + " trial " + trial;
          if (d.reactorMayLose()) {
            Leaks.awaitReturnedOrReclaimed(what, loader.bufferPool());
          } else {
            Leaks.assertReleased(what, loader.bufferPool());
          }
        }
      }
    } finally {
      consumer.dispose();
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }

  /**
   * reactor-core 3.8 {@code flatMapSequential} and {@code parallel()/sequential()} drop the
   * elements queued in their inners/rails on cancel without calling discard hooks (reactor-core
   * #4379). Nothing leaks even then: the pool's Cleaner returns those buffers once the garbage
   * collector finds the lost batches, and counts them in {@code reclaimed()}.
   */
  @Test
  void batchesLostByReactorQueuesOnCancelAreReclaimedByTheGarbageCollector() throws Exception {
    Loader loader = builder(x, y).batchSize(4).prefetch(8).gatherThreads(2).build();
    Scheduler rails = Schedulers.newParallel("test-rails", 2);
    try {
      for (int round = 0; round < 3; round++) {
        // The first inner is slow, so the later, finished ones wait in flatMapSequential's queues
        // when take() cancels.
        TestData.closingDiscards(
                loader
                    .batches()
                    .flatMapSequential(
                        b ->
                            Mono.just(b)
                                .delayElement(Duration.ofMillis(b.sequence() % 8 == 0 ? 40 : 0)),
                        8)
                    .doOnNext(Batch::close)
                    .take(9))
            .blockLast(WAIT);
        TestData.closingDiscards(
                loader
                    .batches()
                    .parallel(2)
                    .runOn(rails, 4)
                    .map(
                        b -> {
                          if (b.sequence() % 5 == 0) {
                            sleep(20);
                          }
                          return b;
                        })
                    .sequential(4)
                    .doOnNext(Batch::close)
                    .take(6))
            .blockLast(WAIT);
      }
      Leaks.awaitReturnedOrReclaimed("flatMapSequential and parallel", loader.bufferPool());
      assertThat(loader.bufferPool().reclaimed())
          .as("batches that only the Cleaner returned (reactor-core#4379)")
          .isPositive();
    } finally {
      rails.dispose();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --------------------------------------------------------------------- configuration errors

  @Test
  void badSettingsAreRejectedAtBuildNamingTheOptionAndValue() throws IOException {
    NpyArray shortY = TestData.labels(dir, ROWS - 1);
    try {
      assertRejected(() -> Loader.builder(x, y).batchSize(0).build(), "batchSize", "0");
      assertRejected(() -> Loader.builder(x, y).batchSize(-3).build(), "batchSize", "-3");
      assertRejected(() -> Loader.builder(x, y).prefetch(0).build(), "prefetch", "0");
      assertRejected(() -> Loader.builder(x, y).gatherThreads(0).build(), "gatherThreads", "0");
      assertRejected(() -> Loader.builder(x, y).epochs(0).build(), "epochs", "0");
      assertRejected(() -> Loader.builder(x, y).shard(2, 2).build(), "rank", "2");
      assertRejected(() -> Loader.builder(x, y).shard(-1, 2).build(), "rank", "-1");
      assertRejected(() -> Loader.builder(x, y).shard(0, 0).build(), "worldSize", "0");
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
      assertThat(Loader.builder(x, y).batchSize(Integer.MAX_VALUE).build().batchRows())
          .isEqualTo((int) ROWS);
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
