package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Every path that ends a subscription returns every buffer to the pool. */
class LoaderCleanupTest {

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;
  Loader loader;

  @BeforeEach
  void open() throws Exception {
    x = TestData.features(dir, 3000, 8);
    y = TestData.labels(dir, 3000);
    loader =
        Loader.builder(x, y)
            .batchSize(16)
            .shuffle(Shuffle.random(1))
            .epochs(3)
            .gatherThreads(2)
            .prefetch(4)
            .build();
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  Flux<Batch> batches() {
    return loader.batches();
  }

  @Test
  void cancelAtRandomPointsReturnsEveryBuffer() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = random.nextInt(40);
      StepVerifier.create(TestData.closingDiscards(batches().doOnNext(Batch::close)), 0)
          .thenRequest(n + 1 + random.nextInt(3))
          .expectNextCount(n)
          .thenCancel()
          .verify(Duration.ofSeconds(10));
      Leaks.assertReleased("loader", loader.bufferPool());
    }
  }

  @Test
  void errorThrownBySubscriberReturnsEveryBuffer() {
    StepVerifier.create(
            TestData.closingDiscards(
                batches()
                    .doOnNext(
                        b -> {
                          try (b) {
                            if (b.sequence() == 7) {
                              throw new IllegalStateException("boom");
                            }
                          }
                        })))
        .expectNextCount(7)
        .expectErrorMessage("boom")
        .verify(Duration.ofSeconds(10));
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  @Test
  void takeReturnsEveryBuffer() {
    StepVerifier.create(TestData.closingDiscards(batches().take(5).doOnNext(Batch::close)))
        .expectNextCount(5)
        .verifyComplete();
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  @Test
  void timeoutReturnsEveryBuffer() {
    StepVerifier.create(
            TestData.closingDiscards(
                batches()
                    .concatMap(
                        b ->
                            Mono.just(b)
                                .delayElement(Duration.ofMillis(b.sequence() == 3 ? 500 : 0)),
                        1)
                    .timeout(Duration.ofMillis(200))
                    .doOnNext(Batch::close)))
        .expectNextCount(3)
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(10));
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  @Test
  void publishOnQueueIsDrainedOnCancel() {
    Scheduler single = Schedulers.newSingle("test-consumer");
    try {
      StepVerifier.create(
              TestData.closingDiscards(
                  batches().publishOn(single, 4).doOnNext(Batch::close).take(10)))
          .expectNextCount(10)
          .verifyComplete();
      Leaks.assertReleased("loader", loader.bufferPool());
    } finally {
      single.dispose();
    }
  }

  @Test
  void flatMapUpstreamOfACancelReturnsEveryBuffer() {
    StepVerifier.create(
            TestData.closingDiscards(
                batches()
                    .flatMap(
                        b -> Mono.just(b).delayElement(Duration.ofMillis(b.sequence() % 3)), 4, 4)
                    .doOnNext(Batch::close)
                    .take(12)))
        .expectNextCount(12)
        .verifyComplete();
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  @Test
  void fileTruncatedWhileMappedEndsTheFluxWithAnErrorNamingIt() throws Exception {
    Loader sequential = Loader.builder(x, y).batchSize(16).build();
    StepVerifier.create(TestData.closingDiscards(sequential.batches().doOnNext(Batch::close)), 0)
        .thenRequest(1)
        .expectNextCount(1)
        .then(() -> TestData.truncate(x.path(), 128))
        .thenRequest(Long.MAX_VALUE)
        .thenConsumeWhile(b -> true)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(StageException.class)
                    .hasMessageContaining("gather stage failed")
                    .hasCauseInstanceOf(NpyAccessException.class)
                    .hasMessageContaining(x.path().toString()))
        .verify(Duration.ofSeconds(10));
    Leaks.assertReleased("loader", sequential.bufferPool());
  }

  @Test
  void lostBatchesAreReclaimedByTheGarbageCollector() throws Exception {
    // A subscriber that never closes: the Cleaner is the safety net, the pool counts it.
    loader.batches().take(3).blockLast(Duration.ofSeconds(10));
    Leaks.awaitReturnedOrReclaimed("unclosed batches", loader.bufferPool());
    assertThat(loader.bufferPool().reclaimed()).as("3 batches of 2 fields").isEqualTo(6);
  }
}
