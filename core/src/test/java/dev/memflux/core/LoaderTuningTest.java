package dev.memflux.core;

import static dev.memflux.core.TestData.checkContents;
import static dev.memflux.core.TestData.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.tune.Knob;
import dev.memflux.core.tune.KnobTurner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader's sizes as a tuner sees them: knobs on its gather meter, fixed when the builder set
 * them, and read afresh while batches stream, so that turning them changes neither the batches nor
 * their order, and a lowered prefetch bounds the batches gathered ahead from then on.
 */
class LoaderTuningTest {

  @TempDir Path dir;
  private NpyArray x;
  private NpyArray y;

  @BeforeEach
  void open() throws Exception {
    x = TestData.features(dir, 1000, 3);
    y = TestData.labels(dir, 1000);
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  @Test
  void unsetSizesAreKnobsATunerMayTurnAndSetOnesStayAsSet() {
    Loader tuned = Loader.builder(x, y).batchSize(10).build();
    assertThat(tuned.gatherMeter().knobs())
        .extracting(Knob::name)
        .containsExactly("gatherThreads", "prefetch");
    Knob threads = tuned.gatherMeter().knobs().get(0);
    Knob prefetch = tuned.gatherMeter().knobs().get(1);
    assertThat(threads.isFixed()).isFalse();
    assertThat(threads.kind()).isEqualTo(Knob.Kind.THREADS);
    assertThat(threads.value()).isEqualTo(1);
    assertThat(threads.max()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(prefetch.isFixed()).isFalse();
    assertThat(prefetch.kind()).isEqualTo(Knob.Kind.BUFFER);
    assertThat(prefetch.value()).isEqualTo(4);
    assertThat(prefetch.max()).isEqualTo(Loader.Builder.MAX_PREFETCH);
    // a batch of 10 rows: 3 int32 features and an int64 label each
    assertThat(prefetch.bytesPerUnit()).isEqualTo(10 * (3 * 4 + 8));

    Loader set = Loader.builder(x, y).batchSize(10).prefetch(3).gatherThreads(2).build();
    assertThat(set.gatherMeter().knobs()).allSatisfy(k -> assertThat(k.isFixed()).isTrue());
    assertThat(set.prefetch()).isEqualTo(3);
    assertThat(set.gatherThreads()).isEqualTo(2);
  }

  @Test
  void turningTheKnobsWhileStreamingKeepsEveryBatchAndItsOrder() {
    Loader.Builder builder =
        Loader.builder(x, y).batchSize(10).shuffle(Shuffle.random(3)).epochs(2);
    List<Long> expected = ids(builder.prefetch(4).gatherThreads(1).build());
    Loader loader = builder.build();
    Knob threads = loader.gatherMeter().knobs().get(0);
    Knob prefetch = loader.gatherMeter().knobs().get(1);
    int[] prefetches = {8, 1, Loader.Builder.MAX_PREFETCH, 2};
    List<Long> seen = new ArrayList<>();
    AtomicInteger n = new AtomicInteger();
    loader
        .batches()
        .doOnNext(
            b -> {
              try (b) {
                for (long id : checkContents(b, 3)) {
                  seen.add(id);
                }
              }
              int i = n.incrementAndGet();
              if (i % 7 == 0) {
                KnobTurner.turn(threads, threads.value() == 1 ? threads.max() : 1);
                KnobTurner.turn(prefetch, prefetches[(i / 7) % prefetches.length]);
                assertThat(loader.prefetch()).isEqualTo(prefetch.value());
                assertThat(loader.gatherThreads()).isEqualTo(threads.value());
              }
            })
        .blockLast(Duration.ofSeconds(30));
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(loader.bufferPool().outstanding()).isZero();
  }

  @Test
  void aLoweredPrefetchBoundsTheBatchesGatheredAheadFromThenOn() {
    Loader loader = Loader.builder(x, y).batchSize(10).gatherThreads(2).build();
    Knob prefetch = loader.gatherMeter().knobs().get(1);
    KnobTurner.turn(prefetch, 8);
    AtomicInteger delivered = new AtomicInteger();
    AtomicInteger worstAfter = new AtomicInteger();
    loader
        .batches()
        .doOnNext(
            b -> {
              b.close();
              int i = delivered.incrementAndGet();
              if (i == 10) {
                KnobTurner.turn(prefetch, 1);
              }
              if (i > 10 + 8) {
                // the batches allowed under prefetch 8 are delivered: now at most one ahead
                long ahead = loader.gatherMeter().completed() - i;
                worstAfter.accumulateAndGet((int) ahead, Math::max);
              }
            })
        .blockLast(Duration.ofSeconds(30));
    assertThat(delivered).hasValue(100);
    assertThat(worstAfter.get()).as("batches gathered ahead of delivery").isBetween(0, 1);
  }
}
