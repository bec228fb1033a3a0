package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.testing.Leaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

/** Demand, prefetch and threads, in every read mode. */
class LoaderDemandTest {

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;

  @BeforeEach
  void open() throws Exception {
    x = TestData.features(dir, 2000, 4);
    y = TestData.labels(dir, 2000);
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"MAPPED", "BUFFERED", "DIRECT"})
  void nothingIsReadBeforeItIsRequested(IoMode mode) {
    Loader loader =
        Loader.builder(x, y).io(mode).batchSize(10).prefetch(4).gatherThreads(2).build();
    StageMeter gathered = loader.gatherMeter();
    StepVerifier.create(loader.batches().doOnNext(Batch::close), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(200))
        .then(() -> assertThat(gathered.completed()).isZero())
        .thenRequest(1)
        .expectNextCount(1)
        .expectNoEvent(Duration.ofMillis(200))
        .then(() -> assertThat(gathered.completed()).isEqualTo(1))
        .thenRequest(3)
        .expectNextCount(3)
        .expectNoEvent(Duration.ofMillis(200))
        .then(() -> assertThat(gathered.completed()).isEqualTo(4))
        .thenCancel()
        .verify(Duration.ofSeconds(10));
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  /** README's "Testing a pipeline with StepVerifier", word for word but for the mode. */
  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"MAPPED", "BUFFERED", "DIRECT"})
  void theReadmesStepVerifierIdiomHolds(IoMode mode) {
    Loader loader = Loader.builder(x, y).io(mode).batchSize(10).prefetch(4).build();
    StepVerifier.create(loader.batches().doOnNext(Batch::close), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(100)) // nothing requested: nothing read
        .then(() -> assertThat(loader.gatherMeter().completed()).isZero())
        .thenRequest(3)
        .expectNextCount(3)
        .thenCancel()
        .verify(Duration.ofSeconds(5));
    assertThat(loader.bufferPool().outstanding()).isZero(); // every buffer went back
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"MAPPED", "BUFFERED", "DIRECT"})
  void gatheredMinusDeliveredNeverExceedsPrefetchForASlowSubscriber(IoMode mode) throws Exception {
    int prefetch = 3;
    Loader loader =
        Loader.builder(x, y).io(mode).batchSize(10).prefetch(prefetch).gatherThreads(2).build();
    AtomicLong delivered = new AtomicLong();
    AtomicLong worst = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    loader
        .batches()
        .subscribe(
            new BaseSubscriber<Batch>() {
              @Override
              protected void hookOnSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              protected void hookOnNext(Batch b) {
                try (b) {
                  long ahead = loader.gatherMeter().completed() - delivered.incrementAndGet();
                  worst.accumulateAndGet(ahead, Math::max);
                  TimeUnit.MILLISECONDS.sleep(2);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }

              @Override
              protected void hookFinally(reactor.core.publisher.SignalType type) {
                done.countDown();
              }
            });
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(delivered.get()).isEqualTo(200);
    assertThat(worst.get()).isLessThanOrEqualTo(prefetch).isPositive();
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"MAPPED", "BUFFERED", "DIRECT"})
  void gatheringRunsOnTheLoadersThreadsNotTheSubscribers(IoMode mode) {
    Loader loader = Loader.builder(x, y).io(mode).batchSize(10).build();
    String caller = Thread.currentThread().getName();
    StepVerifier.create(
            loader
                .batches()
                .map(
                    b -> {
                      b.close();
                      return Thread.currentThread().getName();
                    }),
            0)
        .thenRequest(1)
        .assertNext(t -> assertThat(t).startsWith("memflux-gather").isNotEqualTo(caller))
        .thenCancel()
        .verify(Duration.ofSeconds(10));
  }

  @ParameterizedTest
  @EnumSource(
      value = IoMode.class,
      names = {"MAPPED", "BUFFERED", "DIRECT"})
  void gatherThreadsEndWithTheSubscription(IoMode mode) {
    Set<Long> before = Leaks.memfluxThreads();
    Loader loader =
        Loader.builder(x, y).io(mode).batchSize(10).gatherThreads(2).epochs(1000).build();
    StepVerifier.create(loader.batches().doOnNext(Batch::close))
        .expectNextCount(50)
        .thenCancel()
        .verify(Duration.ofSeconds(10));
    Leaks.assertNoNewMemfluxThreads(before, "loader");
  }
}
