package dev.memflux.core;

import static dev.memflux.core.TestData.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.Leaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardAndResumeTest {

  static final long ROWS = 1003;

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;

  @BeforeEach
  void open() throws Exception {
    x = TestData.features(dir, ROWS, 2);
    y = TestData.labels(dir, ROWS);
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  static List<Shuffle> shuffles() {
    return List.of(Shuffle.none(), Shuffle.random(11), Shuffle.blocks(50, 3, 11));
  }

  Loader.Builder base(Shuffle shuffle) {
    return Loader.builder(x, y).batchSize(32).shuffle(shuffle);
  }

  @Test
  void ranksAreDisjointAndCoverEverySampleWhenPaddingTheEpoch() {
    for (Shuffle s : shuffles()) {
      int world = 4;
      Map<Long, Integer> seen = new HashMap<>();
      long per = -1;
      for (int r = 0; r < world; r++) {
        List<Long> rank = ids(base(s).shard(r, world).build());
        per = per < 0 ? rank.size() : per;
        assertThat(rank).as("ranks read equal counts").hasSize((int) per);
        rank.forEach(id -> seen.merge(id, 1, Integer::sum));
      }
      assertThat(per).isEqualTo((ROWS + world - 1) / world);
      assertThat(seen.keySet()).hasSize((int) ROWS);
      long duplicates = seen.values().stream().mapToLong(c -> c - 1).sum();
      assertThat(duplicates).as("padding repeats").isEqualTo(per * world - ROWS);
    }
  }

  @Test
  void ranksAreDisjointAndEqualWhenDroppingTheRemainder() {
    for (Shuffle s : shuffles()) {
      int world = 4;
      Set<Long> seen = new HashSet<>();
      for (int r = 0; r < world; r++) {
        List<Long> rank = ids(base(s).shard(r, world).dropLast(true).build());
        // 250 per rank, cut to whole batches of 32: 224
        assertThat(rank).hasSize(224);
        for (long id : rank) {
          assertThat(seen.add(id)).as("sample %d read twice", id).isTrue();
        }
      }
    }
  }

  @Test
  void everyRanksEpochUsesTheSamePermutationAndEpochsDiffer() {
    Loader r0 = base(Shuffle.random(3)).shard(0, 2).epochs(2).build();
    Loader r1 = base(Shuffle.random(3)).shard(1, 2).epochs(2).build();
    List<Long> a = ids(r0);
    List<Long> b = ids(r1);
    int per = a.size() / 2;
    // interleaving the ranks rebuilds the epoch's permutation
    List<Long> epoch0 = new ArrayList<>();
    for (int j = 0; j < per; j++) {
      epoch0.add(a.get(j));
      epoch0.add(b.get(j));
    }
    assertThat(new HashSet<>(epoch0.subList(0, (int) ROWS))).hasSize((int) ROWS);
    assertThat(a.subList(0, per)).isNotEqualTo(a.subList(per, 2 * per));
    assertThat(ids(base(Shuffle.random(3)).shard(0, 2).epochs(2).build())).isEqualTo(a);
  }

  @Test
  void resumingAfterAnyBatchContinuesExactly() {
    Random random = new Random(1);
    for (Shuffle s : shuffles()) {
      for (boolean dropLast : new boolean[] {false, true}) {
        Loader loader = base(s).dropLast(dropLast).shard(1, 3).epochs(3).build();
        List<Long> full = ids(loader);
        for (int trial = 0; trial < 5; trial++) {
          int stopAfter = random.nextInt((int) (3 * loader.batchesPerEpoch()) - 1);
          List<Long> before = new ArrayList<>();
          LoaderState[] state = new LoaderState[1];
          loader
              .batches()
              .take(stopAfter + 1)
              .doOnNext(
                  b -> {
                    for (long id : b.indices()) before.add(id);
                    state[0] = b.state();
                    b.close();
                  })
              .blockLast(Duration.ofSeconds(30));
          LoaderState parsed = LoaderState.parse(state[0].toString());
          assertThat(parsed).isEqualTo(state[0]);
          // other gather settings must not change what remains
          Loader resumed =
              base(s)
                  .dropLast(dropLast)
                  .shard(1, 3)
                  .epochs(3)
                  .gatherThreads(3)
                  .prefetch(7)
                  .build()
                  .resumeFrom(parsed);
          List<Long> after = ids(resumed);
          List<Long> joined = new ArrayList<>(before);
          joined.addAll(after);
          assertThat(joined)
              .as("%s dropLast=%s stop after %d", s, dropLast, stopAfter)
              .containsExactlyElementsOf(full);
          Leaks.assertReleased("loader", loader.bufferPool());
        }
      }
    }
  }

  @Test
  void resumingFromTheLastBatchOfTheLastEpochYieldsNothing() {
    Loader loader = base(Shuffle.random(1)).build();
    LoaderState last = loader.batches().doOnNext(Batch::close).map(Batch::state).blockLast();
    assertThat(ids(loader.resumeFrom(last))).isEmpty();
    assertThat(last.epoch()).isEqualTo(1);
  }

  @Test
  void elasticResumeReadsExactlyTheUnseenSamples() {
    for (Shuffle s : shuffles()) {
      int oldWorld = 4;
      // ranks stop after different numbers of batches, as real jobs do
      int[] stops = {5, 6, 5, 4};
      List<Long> seen = new ArrayList<>();
      List<LoaderState> states = new ArrayList<>();
      for (int r = 0; r < oldWorld; r++) {
        Loader rank = base(s).shard(r, oldWorld).build();
        LoaderState st =
            rank.batches()
                .take(stops[r])
                .doOnNext(
                    b -> {
                      for (long id : b.indices()) seen.add(id);
                      b.close();
                    })
                .map(Batch::state)
                .blockLast(Duration.ofSeconds(30));
        states.add(LoaderState.parse(st.toString()));
      }
      LoaderState merged = LoaderState.merge(states);
      int newWorld = 3;
      for (int r = 0; r < newWorld; r++) {
        seen.addAll(ids(base(s).shard(r, newWorld).build().resumeFrom(merged)));
      }
      Map<Long, Integer> counts = new HashMap<>();
      seen.forEach(id -> counts.merge(id, 1, Integer::sum));
      assertThat(counts.keySet())
          .as("%s: every sample read", s)
          .containsExactlyInAnyOrderElementsOf(LongStream.range(0, ROWS).boxed().toList());
      long repeats = counts.values().stream().mapToLong(c -> c - 1).sum();
      // only the new world's padding to a multiple of 3 may repeat samples
      assertThat(repeats).as("%s: repeats", s).isLessThan(newWorld);
    }
  }

  @Test
  void resumeRejectsStatesThatDoNotFit() {
    Loader loader = base(Shuffle.random(1)).shard(0, 2).build();
    LoaderState state =
        loader.batches().take(1).doOnNext(Batch::close).map(Batch::state).blockLast();
    assertThatThrownBy(() -> base(Shuffle.random(2)).shard(0, 2).build().resumeFrom(state))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("random:1");
    assertThatThrownBy(() -> base(Shuffle.random(1)).shard(1, 2).build().resumeFrom(state))
        .hasMessageContaining("LoaderState.merge");
    assertThatThrownBy(() -> LoaderState.merge(state))
        .hasMessageContaining("missing the states of ranks [1]");
    assertThatThrownBy(() -> LoaderState.parse("hello"))
        .hasMessageContaining("not a memflux loader state");
  }
}
