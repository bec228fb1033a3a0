package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.Leaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two loaders and several subscribers reading the same arrays at once get independent data. */
class LoaderConcurrencyTest {

  static final int WIDTH = 6;

  @TempDir Path dir;

  @Test
  void twoLoadersAndSeveralSubscribersOverTheSameArraysGetCorrectIndependentData()
      throws Exception {
    try (NpyArray x = TestData.features(dir, 2000, WIDTH);
        NpyArray y = TestData.labels(dir, 2000)) {
      Loader a =
          Loader.builder(x, y)
              .batchSize(7)
              .shuffle(Shuffle.random(11))
              .epochs(2)
              .gatherThreads(3)
              .prefetch(3)
              .build();
      Loader b =
          Loader.builder(x, y)
              .batchSize(16)
              .shuffle(Shuffle.blocks(32, 5))
              .shard(1, 3)
              .gatherThreads(2)
              .prefetch(2)
              .build();
      // The expected order of each, read alone first.
      List<Long> expectedA = TestData.ids(a);
      List<Long> expectedB = TestData.ids(b);
      assertThat(expectedA).hasSize(4000);
      assertThat(expectedB).isNotEqualTo(expectedA.subList(0, expectedB.size()));

      Loader[] loaders = {a, a, b, b, a};
      ExecutorService pool = Executors.newFixedThreadPool(loaders.length);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Long>>> results = new ArrayList<>();
        for (Loader l : loaders) {
          Callable<List<Long>> read =
              () -> {
                start.await();
                List<Long> ids = new ArrayList<>();
                l.batches()
                    .doOnNext(
                        batch -> {
                          try (batch) {
                            // every row of every field is the row its index names
                            for (long id : TestData.checkContents(batch, WIDTH)) {
                              ids.add(id);
                            }
                          }
                        })
                    .blockLast(Duration.ofSeconds(60));
                return ids;
              };
          results.add(pool.submit(read));
        }
        start.countDown();
        for (int i = 0; i < loaders.length; i++) {
          List<Long> got = results.get(i).get();
          assertThat(got)
              .as("subscriber %d", i)
              .containsExactlyElementsOf(loaders[i] == a ? expectedA : expectedB);
        }
      } finally {
        pool.shutdownNow();
      }
      Leaks.assertReleased("loader", a.bufferPool());
      Leaks.assertReleased("loader", b.bufferPool());
    }
  }
}
