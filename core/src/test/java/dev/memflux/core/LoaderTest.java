package dev.memflux.core;

import static dev.memflux.core.TestData.checkContents;
import static dev.memflux.core.TestData.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.Leaks;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

class LoaderTest {

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;

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
  void sequentialEpochDeliversEveryRowInFileOrder() {
    Loader loader = Loader.builder(x, y).batchSize(64).build();
    List<Long> seen = new ArrayList<>();
    List<Long> sequences = new ArrayList<>();
    loader
        .batches()
        .doOnNext(
            b -> {
              try (b) {
                assertThat(b.epoch()).isZero();
                assertThat(b.fieldShape(0)).containsExactly(b.size(), 3);
                assertThat(b.fieldShape(1)).containsExactly(b.size());
                assertThat(b.fieldType(0)).isEqualTo(DType.INT32);
                assertThat(b.field(0).order()).isEqualTo(ByteOrder.nativeOrder());
                sequences.add(b.sequence());
                for (long id : checkContents(b, 3)) {
                  seen.add(id);
                }
              }
            })
        .blockLast(Duration.ofSeconds(30));
    assertThat(seen).containsExactlyElementsOf(LongStream.range(0, 1000).boxed().toList());
    assertThat(sequences).containsExactlyElementsOf(LongStream.range(0, 16).boxed().toList());
    Leaks.assertReleased("loader", loader.bufferPool());
  }

  @Test
  void lastPartialBatchIsKeptUnlessDropLast() {
    List<Integer> kept = new ArrayList<>();
    Loader.builder(x, y)
        .batchSize(300)
        .build()
        .batches()
        .doOnNext(
            b -> {
              kept.add(b.size());
              b.close();
            })
        .blockLast(Duration.ofSeconds(30));
    List<Integer> dropped = new ArrayList<>();
    Loader.builder(x, y)
        .batchSize(300)
        .dropLast(true)
        .build()
        .batches()
        .doOnNext(
            b -> {
              dropped.add(b.size());
              b.close();
            })
        .blockLast(Duration.ofSeconds(30));
    assertThat(kept).containsExactly(300, 300, 300, 100);
    assertThat(dropped).containsExactly(300, 300, 300);
  }

  @Test
  void severalEpochsNumberTheirBatchesFromZero() {
    Loader loader = Loader.builder(x, y).batchSize(400).epochs(3).build();
    List<String> seen = new ArrayList<>();
    loader
        .batches()
        .doOnNext(
            b -> {
              seen.add(b.epoch() + ":" + b.sequence() + ":" + b.size());
              b.close();
            })
        .blockLast(Duration.ofSeconds(30));
    assertThat(seen)
        .containsExactly(
            "0:0:400", "0:1:400", "0:2:200", "1:0:400", "1:1:400", "1:2:200", "2:0:400", "2:1:400",
            "2:2:200");
    assertThat(loader.batchesPerEpoch()).isEqualTo(3);
  }

  @Test
  void manyGatherThreadsStillDeliverInOrderWithTheSameContents() {
    Loader one = Loader.builder(x, y).batchSize(10).shuffle(Shuffle.random(5)).epochs(2).build();
    Loader four =
        Loader.builder(x, y)
            .batchSize(10)
            .shuffle(Shuffle.random(5))
            .epochs(2)
            .gatherThreads(4)
            .prefetch(8)
            .build();
    List<Long> sequences = new ArrayList<>();
    four.batches()
        .doOnNext(
            b -> {
              checkContents(b, 3);
              sequences.add(b.epoch() * 1000 + b.sequence());
              b.close();
            })
        .blockLast(Duration.ofSeconds(30));
    assertThat(sequences).isSorted().hasSize(200);
    assertThat(ids(four)).containsExactlyElementsOf(ids(one));
  }

  @Test
  void batchesAreColdAndEachSubscriptionStartsAfresh() {
    Loader loader = Loader.builder(x, y).batchSize(100).shuffle(Shuffle.random(1)).build();
    assertThat(ids(loader)).containsExactlyElementsOf(ids(loader));
  }

  @Test
  void closingABatchTwiceIsHarmlessAndFieldsFailAfterClose() {
    Loader loader = Loader.builder(x, y).batchSize(100).build();
    Batch b = loader.batches().blockFirst(Duration.ofSeconds(10));
    b.close();
    b.close();
    assertThat(b.isClosed()).isTrue();
    Leaks.assertReleased("loader", loader.bufferPool());
    assertThatThrownBy(() -> b.field(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void steadyStateReusesPooledBuffers() {
    Loader loader = Loader.builder(x, y).batchSize(10).epochs(20).prefetch(2).build();
    StepVerifier.create(loader.batches().doOnNext(Batch::close))
        .expectNextCount(2000)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    // two fields, at most prefetch + 1 batches alive at once
    assertThat(loader.bufferPool().allocated()).isLessThanOrEqualTo(2 * 4);
  }

  @Test
  void rejectsBadOptionsNamingOptionAndValue() {
    assertThatThrownBy(() -> Loader.builder(x, y).batchSize(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be >= 1, was 0");
    assertThatThrownBy(() -> Loader.builder(x, y).prefetch(0).build())
        .hasMessage("prefetch must be >= 1, was 0");
    assertThatThrownBy(() -> Loader.builder(x, y).gatherThreads(0).build())
        .hasMessage("gatherThreads must be >= 1, was 0");
    assertThatThrownBy(() -> Loader.builder(x, y).epochs(0).build())
        .hasMessage("epochs must be >= 1, was 0");
    assertThatThrownBy(() -> Loader.builder(x, y).shard(4, 4).build())
        .hasMessage("shard rank must be in [0, 4), was 4");
    assertThatThrownBy(() -> Loader.builder(x, y).shard(0, 0).build())
        .hasMessage("shard worldSize must be >= 1, was 0");
    assertThatThrownBy(() -> Loader.builder().build())
        .hasMessage("a loader needs at least one field");
  }

  @Test
  void rejectsFieldsOfDifferentLengthNamingBothFiles() throws Exception {
    try (NpyArray shorter = TestData.labels(dir, 999)) {
      assertThatThrownBy(() -> Loader.builder(x, shorter).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(x.path().toString())
          .hasMessageContaining("1000")
          .hasMessageContaining(shorter.path().toString())
          .hasMessageContaining("999");
    }
  }

  @Test
  void builderIsImmutable() {
    Loader.Builder base = Loader.builder(x, y).batchSize(100);
    Loader small = base.batchSize(10).build();
    Loader big = base.build();
    assertThat(small.batchSize()).isEqualTo(10);
    assertThat(big.batchSize()).isEqualTo(100);
  }

  /** Issue 16.8: batchSize(134217727) on 3 rows allocated gigabytes of direct memory. */
  @Test
  void batchBuffersAreSizedByTheRowsABatchCanHoldNotByTheOption() throws Exception {
    try (NpyArray x3 = TestData.features(dir, 3, 2);
        NpyArray y3 = TestData.labels(dir, 3)) {
      Loader loader = Loader.builder(x3, y3).batchSize(134_217_727).build();
      StepVerifier.create(loader.batches())
          .assertNext(
              b -> {
                try (b) {
                  assertThat(b.size()).isEqualTo(3);
                  assertThat(b.field(0).capacity()).isEqualTo(3 * 8);
                  assertThat(b.field(1).capacity()).isEqualTo(3 * 8);
                }
              })
          .expectComplete()
          .verify(Duration.ofSeconds(30));
      // A rank's share of an epoch caps it too: 3 rows over 2 ranks is 2 a rank.
      assertThat(Loader.builder(x3, y3).batchSize(64).shard(1, 2).build().batchRows()).isEqualTo(2);
      assertThat(Loader.builder(x3, y3).batchSize(2).build().batchRows()).isEqualTo(2);
    }
  }
}
