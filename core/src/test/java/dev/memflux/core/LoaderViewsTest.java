package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loader over views ({@link ViewData}) keeps every loader property: the same bytes in every read
 * mode, exact and elastic resume, determinism; and a state taken over one view is refused by a
 * loader over another.
 */
class LoaderViewsTest {

  @TempDir Path dir;
  private ViewData data;

  @BeforeEach
  void open() throws IOException {
    data = ViewData.open(dir);
  }

  @AfterEach
  void close() {
    data.close();
  }

  private Loader.Builder base(Shuffle shuffle) {
    return Loader.builder(data.fields()).batchSize(16).shuffle(shuffle);
  }

  /** Every batch's ids and bytes, checked against the formulas. */
  private static List<String> delivered(Loader loader) {
    List<String> out = new ArrayList<>();
    loader
        .batches()
        .doOnNext(
            b -> {
              try (b) {
                ViewData.check(b);
                out.add(describe(b));
              }
            })
        .blockLast(Duration.ofSeconds(30));
    return out;
  }

  @Test
  void everyReadModeDeliversTheSameBatchesAndRunsRepeatExactly() {
    for (Shuffle s : List.of(Shuffle.none(), Shuffle.random(4), Shuffle.blocks(8, 2, 4))) {
      List<String> mapped = delivered(base(s).epochs(2).io(IoMode.MAPPED).build());
      assertThat(mapped).hasSize(2 * (ViewData.ROWS / 16 + 1));
      assertThat(delivered(base(s).epochs(2).io(IoMode.MAPPED).gatherThreads(3).build()))
          .as("%s again, three gather threads", s)
          .isEqualTo(mapped);
      assertThat(delivered(base(s).epochs(2).io(IoMode.BUFFERED).build()))
          .as("%s buffered", s)
          .isEqualTo(mapped);
      assertThat(delivered(base(s).epochs(2).io(IoMode.DIRECT).build()))
          .as("%s direct", s)
          .isEqualTo(mapped);
    }
  }

  @Test
  void resumingAfterAnyBatchContinuesExactlyInEveryMode() {
    for (IoMode mode : List.of(IoMode.MAPPED, IoMode.BUFFERED)) {
      Loader loader = base(Shuffle.random(9)).io(mode).shard(1, 2).epochs(2).build();
      List<String> full = delivered(loader);
      for (int stop : new int[] {0, 4, 9, 13}) {
        List<String> before = new ArrayList<>();
        LoaderState state =
            loader
                .batches()
                .take(stop + 1)
                .doOnNext(
                    b -> {
                      try (b) {
                        before.add(describe(b));
                      }
                    })
                .map(Batch::state)
                .blockLast(Duration.ofSeconds(30));
        List<String> joined = new ArrayList<>(before);
        joined.addAll(delivered(loader.resumeFrom(LoaderState.parse(state.toString()))));
        assertThat(joined).as("%s, stop after %d", mode, stop).isEqualTo(full);
      }
    }
  }

  /** A batch's ids and a hash of each field's bytes. */
  private static String describe(Batch b) {
    StringBuilder s = new StringBuilder(Arrays.toString(b.indices()));
    for (int f = 0; f < b.fieldCount(); f++) {
      s.append('|').append(b.field(f).hashCode());
    }
    return s.toString();
  }

  @Test
  void elasticResumeOverViewsReadsExactlyTheUnseenSamples() {
    List<Long> seen = new ArrayList<>();
    List<LoaderState> states = new ArrayList<>();
    int[] stops = {3, 5};
    for (int r = 0; r < 2; r++) {
      LoaderState st =
          base(Shuffle.random(2))
              .shard(r, 2)
              .build()
              .batches()
              .take(stops[r])
              .doOnNext(
                  b -> {
                    try (b) {
                      ViewData.check(b);
                      for (long id : b.indices()) {
                        seen.add(id);
                      }
                    }
                  })
              .map(Batch::state)
              .blockLast(Duration.ofSeconds(30));
      states.add(st);
    }
    LoaderState merged = LoaderState.merge(states);
    for (int r = 0; r < 3; r++) {
      seen.addAll(TestData.ids(base(Shuffle.random(2)).shard(r, 3).build().resumeFrom(merged)));
    }
    Map<Long, Integer> counts = new HashMap<>();
    seen.forEach(id -> counts.merge(id, 1, Integer::sum));
    assertThat(counts.keySet())
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, ViewData.ROWS).boxed().toList());
    assertThat(counts.values().stream().mapToLong(c -> c - 1).sum()).isLessThan(3);
  }

  @Test
  void aStateOverOneViewIsRefusedByALoaderOverAnother() throws IOException {
    try (NpyArray x = NpyArray.open(LayoutFixtures.path("features.npy"))) {
      NpyArray first = x.slice(0, 10);
      NpyArray second = x.slice(10, 20);
      LoaderState state =
          Loader.builder(first)
              .batchSize(4)
              .build()
              .batches()
              .take(1)
              .doOnNext(Batch::close)
              .map(Batch::state)
              .blockLast(Duration.ofSeconds(30));
      assertThatThrownBy(() -> Loader.builder(second).batchSize(4).build().resumeFrom(state))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("field 0 ((10, 4) <f8) has other content");
    }
  }
}
