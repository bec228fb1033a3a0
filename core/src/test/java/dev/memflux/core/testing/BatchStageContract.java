package dev.memflux.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The contract every batch stage passes, in the spirit of Reactor's {@code BaseOperatorTest} and
 * Lucene's {@code BaseDirectoryTestCase}: extend it, say how to make the stage and what data it
 * takes, and the same suite runs against it. A {@link Loader} over {@link #openFields(Path)} with
 * seeded random settings feeds the stage in every trial.
 *
 * <ul>
 *   <li>demand: nothing is read before the stage's subscriber requests it, and what the stage reads
 *       ahead is counted inside that demand;
 *   <li>random cancels, from inside {@code onNext} and from another thread;
 *   <li>a subscriber that throws, and an error upstream of the stage;
 *   <li>operators after the stage that drop elements (filter, take, take(Duration), timeout,
 *       publishOn, buffer, switchMap, flatMapSequential, parallel).
 * </ul>
 *
 * <p>After each trial every pool's outstanding count is back to zero: every buffer closed (not left
 * to the garbage collector), except behind the operators that reactor-core 3.8 lets drop elements
 * without a discard hook, where the outcome (nothing outstanding, the Cleaner having taken back
 * what Reactor lost) is what is asserted. No {@code memflux-*} thread outlives its pipeline.
 *
 * <pre>{@code
 * class MyStageContractTest extends BatchStageContract {
 *   protected NpyArray[] openFields(Path dir) throws IOException { ... }
 *   protected StageUnderTest newStage() { return StageUnderTest.of(new MyStage()); }
 * }
 * }</pre>
 */
public abstract class BatchStageContract {

  /** How long a trial may take before it fails instead of hanging. */
  protected static final Duration WAIT = Duration.ofSeconds(30);

  /** One instance of the stage under test, made afresh for each trial. */
  public interface StageUnderTest {

    /** The stage applied to {@code batches}: its output, one element per batch or fewer. */
    Publisher<?> apply(Flux<Batch> batches);

    /** Releases one output element, as its subscriber must; closes it when it is closeable. */
    default void release(Object output) {
      if (output instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }

    /** The stage's own buffer pools, checked besides the loader's. */
    default List<BufferPool> pools() {
      return List.of();
    }

    /** Further checks that the stage released everything (device memory, say). */
    default void assertReleased(String what) {}

    /** Whether each output element stands for one input batch, so demand can be counted. */
    default boolean oneOutputPerBatch() {
      return true;
    }

    /**
     * Whether an output element lost by a Reactor operator (reactor-core#4379) is reclaimed by the
     * garbage collector; false for outputs that something long-lived still references.
     */
    default boolean lostOutputsAreReclaimed() {
      return true;
    }

    /** A stage given as a {@code Flux} transformation of batches into batches. */
    static StageUnderTest of(
        Function<Flux<Batch>, ? extends Publisher<?>> stage, BufferPool... pools) {
      return new StageUnderTest() {
        @Override
        public Publisher<?> apply(Flux<Batch> batches) {
          return stage.apply(batches);
        }

        @Override
        public List<BufferPool> pools() {
          return List.of(pools);
        }
      };
    }
  }

  @TempDir protected Path dir;
  private NpyArray[] fields;
  private Set<Long> threadsBefore;

  /** Opens the arrays the loader reads, rows of the shape and type the stage accepts. */
  protected abstract NpyArray[] openFields(Path dir) throws IOException;

  /** A new instance of the stage under test. */
  protected abstract StageUnderTest newStage();

  /** Trials per randomised test; a stage whose trials are slow (training) runs fewer. */
  protected int trials(int usual) {
    return usual;
  }

  @BeforeEach
  void openContractFields() throws IOException {
    fields = openFields(dir);
    threadsBefore = Leaks.memfluxThreads();
  }

  @AfterEach
  void closeContractFields() {
    for (NpyArray f : fields) {
      f.close();
    }
  }

  /**
   * Where the contract's loaders start: {@code Loader.builder(fields)}. Override to run the
   * contract with other loader settings, such as another {@link IoMode}.
   */
  protected Loader.Builder loaderBuilder(NpyArray... fields) {
    return Loader.builder(fields);
  }

  /** A loader over the fields with seeded random settings. */
  protected Loader randomLoader(SplittableRandom random) {
    Shuffle shuffle =
        switch (random.nextInt(3)) {
          case 0 -> Shuffle.none();
          case 1 -> Shuffle.random(random.nextLong());
          default -> Shuffle.blocks(1 + random.nextInt(32), random.nextLong());
        };
    int worldSize = 1 + random.nextInt(2);
    return loaderBuilder(fields)
        .batchSize(2 + random.nextInt(15))
        .dropLast(random.nextBoolean())
        .shuffle(shuffle)
        .shard(random.nextInt(worldSize), worldSize)
        .epochs(1 + random.nextInt(2))
        .prefetch(1 + random.nextInt(4))
        .gatherThreads(1 + random.nextInt(3))
        .build();
  }

  private void assertReleased(String what, Loader loader, StageUnderTest stage) {
    List<BufferPool> pools = new ArrayList<>(stage.pools());
    pools.add(loader.bufferPool());
    Leaks.assertReleased(what, pools.toArray(BufferPool[]::new));
    stage.assertReleased(what);
  }

  private void awaitReleasedOrReclaimed(String what, Loader loader, StageUnderTest stage) {
    List<BufferPool> pools = new ArrayList<>(stage.pools());
    pools.add(loader.bufferPool());
    for (BufferPool pool : pools) {
      Leaks.awaitDrained(what, pool);
    }
    stage.assertReleased(what);
  }

  /** The stage's output with every element released as a subscriber must. */
  private static Flux<Object> output(StageUnderTest stage, Loader loader) {
    return Flux.from(stage.apply(loader.batches()));
  }

  /** Releases what the operators after the stage discard; goes last, so it reaches them all. */
  private static <T> Flux<T> releasingDiscards(Flux<T> flux, StageUnderTest stage) {
    return flux.doOnDiscard(Object.class, stage::release);
  }

  // ------------------------------------------------------------------------------------ demand

  @Test
  void nothingIsReadBeforeItIsRequestedAndLookAheadStaysInsideTheDemand() {
    SplittableRandom random = new SplittableRandom(0xDE3A_0001L);
    for (int trial = 0; trial < trials(6); trial++) {
      Loader loader = randomLoader(random);
      StageUnderTest stage = newStage();
      int request = 1 + random.nextInt(3);
      boolean counted = stage.oneOutputPerBatch();
      String what = "trial " + trial;
      StepVerifier.create(
              releasingDiscards(output(stage, loader).doOnNext(stage::release), stage), 0)
          .expectSubscription()
          .expectNoEvent(Duration.ofMillis(100))
          .then(() -> assertThat(loader.gatherMeter().completed()).as(what).isZero())
          .thenRequest(request)
          .expectNextCount(counted ? request : 1)
          .expectNoEvent(Duration.ofMillis(counted ? 100 : 0))
          .then(
              () -> {
                if (counted) {
                  assertThat(loader.gatherMeter().completed())
                      .as("%s: batches read for %d requested", what, request)
                      .isLessThanOrEqualTo(request);
                }
              })
          .thenCancel()
          .verify(WAIT);
      assertReleased(what, loader, stage);
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "demand");
  }

  // ----------------------------------------------------------------------------------- cancels

  /** Releases each output, requests in random chunks and cancels after {@code cancelAfter}. */
  private static final class Cancelling extends BaseSubscriber<Object> {
    final StageUnderTest stage;
    final long cancelAfter;
    final long chunk;
    final AtomicLong seen = new AtomicLong();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean done;

    Cancelling(StageUnderTest stage, long cancelAfter, long chunk) {
      this.stage = stage;
      this.cancelAfter = cancelAfter;
      this.chunk = chunk;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
      if (cancelAfter == 0) {
        cancel();
      } else {
        request(chunk);
      }
    }

    @Override
    protected void hookOnNext(Object output) {
      stage.release(output);
      long n = seen.incrementAndGet();
      if (n == cancelAfter) {
        cancel();
      } else if (n % chunk == 0) {
        request(chunk);
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

  @Test
  void cancelsAtRandomPointsReleaseEverything() throws InterruptedException {
    SplittableRandom random = new SplittableRandom(0xCA9C_0001L);
    for (int trial = 0; trial < trials(60); trial++) {
      Loader loader = randomLoader(random);
      StageUnderTest stage = newStage();
      Cancelling s = new Cancelling(stage, random.nextLong(12), 1 + random.nextInt(4));
      boolean fromOutside = random.nextBoolean();
      output(stage, loader).subscribe(s);
      if (fromOutside) {
        // dispose from another thread at a random moment while elements stream
        Thread.sleep(random.nextInt(3));
        ((Disposable) s).dispose();
      } else {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!s.done && s.seen.get() < s.cancelAfter && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        ((Disposable) s).dispose(); // the stream may have ended before cancelAfter
      }
      String what = "trial " + trial + (fromOutside ? " disposed" : " cancelled in onNext");
      assertThat(s.error.get()).as(what).isNull();
      assertReleased(what, loader, stage);
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "cancels");
  }

  // ------------------------------------------------------------------------------------ errors

  @Test
  void aSubscriberThrowingReleasesEverything() {
    SplittableRandom random = new SplittableRandom(0xE3307_0001L);
    for (int trial = 0; trial < trials(20); trial++) {
      Loader loader = randomLoader(random);
      StageUnderTest stage = newStage();
      // within the outputs there are: one a batch of the first epoch, or the only one
      long failAt =
          stage.oneOutputPerBatch() ? random.nextLong(Math.min(6, loader.batchesPerEpoch())) : 0;
      AtomicLong seen = new AtomicLong();
      StepVerifier.create(
              releasingDiscards(
                  output(stage, loader)
                      .doOnNext(
                          o -> {
                            stage.release(o);
                            if (seen.getAndIncrement() == failAt) {
                              throw new IllegalStateException("injected at " + failAt);
                            }
                          }),
                  stage))
          .thenConsumeWhile(o -> true)
          .expectErrorMessage("injected at " + failAt)
          .verify(WAIT);
      assertReleased("trial " + trial, loader, stage);
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "subscriber errors");
  }

  @Test
  void anUpstreamErrorReachesTheSubscriberAndReleasesEverything() {
    SplittableRandom random = new SplittableRandom(0xE3307_0002L);
    for (int trial = 0; trial < trials(20); trial++) {
      Loader loader = randomLoader(random);
      StageUnderTest stage = newStage();
      long failAt = random.nextLong(6);
      AtomicLong gathered = new AtomicLong();
      Flux<Batch> failing =
          loader
              .batches()
              .<Batch>handle(
                  (b, sink) -> {
                    if (gathered.getAndIncrement() == failAt) {
                      b.close();
                      sink.error(new IllegalStateException("injected upstream at " + failAt));
                    } else {
                      sink.next(b);
                    }
                  });
      AtomicReference<Throwable> error = new AtomicReference<>();
      releasingDiscards(Flux.from(stage.apply(failing)).doOnNext(stage::release), stage)
          .onErrorResume(
              e -> {
                error.set(e);
                return Mono.empty();
              })
          .blockLast(WAIT);
      String what = "trial " + trial;
      if (gathered.get() > failAt) {
        // a stage may wrap the error (naming itself): the injected one is at its root
        Throwable root = error.get();
        while (root != null && root.getCause() != null) {
          root = root.getCause();
        }
        assertThat(root).as(what).hasMessage("injected upstream at " + failAt);
      }
      assertReleased(what, loader, stage);
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "upstream errors");
  }

  // ---------------------------------------------------------- operators that drop elements

  /**
   * Operators after the stage that drop elements. {@code reactorMayLose}: reactor-core 3.8 may drop
   * an element there without calling the discard hook (#4379; {@code take(Duration)}'s serialised
   * subscriber sends a value that races its timer to {@code onNextDropped}).
   */
  protected record Dropper(
      String name, Function<Flux<Object>, Flux<Object>> op, boolean reactorMayLose) {}

  /** The dropping operators; {@code consumer} is a scheduler of the test's own. */
  protected List<Dropper> droppers(Scheduler consumer) {
    return List.of(
        new Dropper("filter", f -> f.filter(o -> false), false),
        new Dropper("take", f -> f.take(3), false),
        new Dropper("skip+take", f -> f.skip(1).take(2), false),
        new Dropper(
            "timeout",
            f ->
                f.concatMap(o -> Mono.just(o).delayElement(Duration.ofMillis(20)), 1)
                    .timeout(Duration.ofMillis(5))
                    .onErrorResume(TimeoutException.class, e -> Mono.empty()),
            false),
        new Dropper("publishOn+take", f -> f.publishOn(consumer, 4).take(3), false),
        new Dropper("limitRate+take", f -> f.limitRate(2).take(3), false),
        new Dropper("buffer+take", f -> f.buffer(2).take(2).concatMapIterable(l -> l), false),
        // Seen once in CI (DIRECT reads, a loaded machine): a switch racing the replaced inner's
        // delayElement timer left a batch unclosed for 10 s; not reproduced in 8 quiet runs. The
        // pool's Cleaner takes back what nothing references; a batch memflux still held would
        // fail the wait below all the same.
        new Dropper(
            "switchMap",
            f -> f.switchMap(o -> Mono.just(o).delayElement(Duration.ofMillis(1))).take(2),
            true),
        new Dropper("take(Duration)", f -> f.take(Duration.ofMillis(5)), true),
        // FluxSample keeps the latest value and its cancel() does not discard it (reactor-core
        // 3.8.7): an element held there at cancel is lost, whatever the timing.
        new Dropper("sample+take", f -> f.sample(Duration.ofMillis(1)).take(3), true),
        new Dropper(
            "flatMapSequential+take",
            f ->
                f.flatMapSequential(
                        o ->
                            Mono.just(o)
                                .delayElement(Duration.ofMillis(Math.floorMod(o.hashCode(), 3))),
                        4)
                    .take(2),
            true),
        new Dropper(
            "parallel+take", f -> f.parallel(2).runOn(consumer, 2).sequential(2).take(2), true));
  }

  @Test
  void operatorsThatDropElementsReleaseEverything() throws InterruptedException {
    Scheduler consumer = Schedulers.newParallel("test-consumer", 2);
    try {
      SplittableRandom random = new SplittableRandom(0xD309_0001L);
      for (Dropper d : droppers(consumer)) {
        for (int trial = 0; trial < trials(3); trial++) {
          StageUnderTest stage = newStage();
          if (d.reactorMayLose() && !stage.lostOutputsAreReclaimed()) {
            continue;
          }
          Loader loader = randomLoader(random);
          releasingDiscards(d.op().apply(output(stage, loader)).doOnNext(stage::release), stage)
              .blockLast(WAIT);
          String what = d.name() + " trial " + trial;
          if (d.reactorMayLose()) {
            awaitReleasedOrReclaimed(what, loader, stage);
          } else {
            assertReleased(what, loader, stage);
          }
        }
      }
    } finally {
      consumer.dispose();
    }
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "dropping operators");
  }
}
