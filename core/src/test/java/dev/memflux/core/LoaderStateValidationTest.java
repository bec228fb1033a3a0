package dev.memflux.core;

import static dev.memflux.core.TestData.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16.5: forged or corrupt loader states, and states from another data set, were accepted and
 * silently skipped, repeated or invented samples.
 */
class LoaderStateValidationTest {

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;
  Loader loader;

  @BeforeEach
  void open() throws Exception {
    x = TestData.features(dir, 10, 2);
    y = TestData.labels(dir, 10);
    loader = Loader.builder(x, y).batchSize(3).build();
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  /** The loader's state after its first batch, with one field of its text replaced. */
  String forged(String key, String value) {
    String state = firstState().toString();
    return state.replaceFirst(" " + key + "=[^ ]*", " " + key + "=" + value);
  }

  LoaderState firstState() {
    return loader.batches().take(1).doOnNext(Batch::close).map(Batch::state).blockLast();
  }

  @Test
  void aStateRoundTripsThroughItsTextWithTheDataFingerprint() {
    LoaderState state = firstState();
    assertThat(state.toString())
        .startsWith("memflux-state/2 epoch=0 rows=10 shuffle=none data=<i4:10x2:")
        .contains(",<i8:10:")
        .endsWith(" world=1 consumed=3 leftovers= tail=0");
    assertThat(LoaderState.parse(state.toString())).isEqualTo(state);
  }

  @Test
  void aRankPastTheEndOfTheEpochIsRefused() {
    assertThatThrownBy(() -> LoaderState.parse(forged("consumed", "999")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "rank 0 consumed 999 samples, but each of 1 ranks reads at most 10 of the 10-position"
                + " plan");
    // Within the plan, but past what this loader reads when it drops the last partial batch.
    LoaderState ten = LoaderState.parse(forged("consumed", "10"));
    Loader dropping = Loader.builder(x, y).batchSize(3).dropLast(true).build();
    assertThatThrownBy(() -> dropping.resumeFrom(ten))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "loader state says rank 0 consumed 10 samples of epoch 0, but this loader's rank 0"
                + " reads 9 in it");
  }

  @Test
  void repeatedOrOutOfPlanPositionsAreRefused() {
    String tenOfOne = forged("leftovers", "4,4,4,4,4,4,4,4,4,4").replace(" tail=0", " tail=10");
    assertThatThrownBy(() -> LoaderState.parse(tenOfOne))
        .hasMessageContaining("plan position 4 appears twice");
    // Leftovers overlapping the tail made a plan of 13 positions over 10 rows.
    String thirteen = forged("leftovers", "0,1,2");
    assertThatThrownBy(() -> LoaderState.parse(thirteen))
        .hasMessageContaining("plan position 0 is not in [0, 0), before the plan's tail");
  }

  @Test
  void emptyFieldsAndNonAsciiDigitsAreRefused() {
    assertThatThrownBy(() -> LoaderState.parse(forged("epoch", "")))
        .hasMessageContaining("epoch must be a number of ASCII digits, was ''");
    assertThatThrownBy(() -> LoaderState.parse(forged("consumed", "")))
        .hasMessageContaining("0 consumed counts for worldSize 1");
    assertThatThrownBy(() -> LoaderState.parse(forged("leftovers", "1,,2")))
        .hasMessageContaining("leftovers must be a number of ASCII digits, was ''");
    // Long.parseLong reads Arabic-Indic digits as 3; a state never holds them.
    assertThatThrownBy(() -> LoaderState.parse(forged("consumed", "\u0663")))
        .hasMessageContaining("consumed must be -1 or a number of ASCII digits, was '\u0663'");
    assertThatThrownBy(() -> LoaderState.parse(forged("tail", "+0")))
        .hasMessageContaining("tail must be a number of ASCII digits, was '+0'");
    assertThatThrownBy(() -> LoaderState.parse(forged("shuffle", "")))
        .hasMessageContaining("the shuffle non-empty");
  }

  @Test
  void anotherDataSetWithTheSameRowCountIsRefusedNamingWhatDiffers() throws IOException {
    LoaderState state = firstState();
    Path other = Files.createDirectory(dir.resolve("other"));
    // Same shapes and dtypes, other content: labels shifted by one.
    try (NpyArray x2 = TestData.features(other, 10, 2);
        NpyArray y2 = NpyArray.create(other.resolve("y.npy"), DType.INT64, new long[] {10})) {
      for (long i = 0; i < 10; i++) {
        y2.setLong(i + 1, i);
      }
      assertThatThrownBy(() -> Loader.builder(x2, y2).batchSize(3).build().resumeFrom(state))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "loader state was taken over other data: field 1 ((10,) <i8) has other content:"
                  + " sampled elements hash to ");
    }
    // Another width and another dtype.
    try (NpyArray wide = TestData.features(other, 10, 3);
        NpyArray y32 = NpyArray.create(other.resolve("y32.npy"), DType.INT32, new long[] {10})) {
      assertThatThrownBy(() -> Loader.builder(wide, y32).batchSize(3).build().resumeFrom(state))
          .hasMessageContaining(
              "field 0 was (10, 2) <i4, this loader's is (10, 3) <i4;"
                  + " field 1 was (10,) <i8, this loader's is (10,) <i4");
    }
    assertThatThrownBy(() -> Loader.builder(x).batchSize(3).build().resumeFrom(state))
        .hasMessageContaining("it had 2 fields, this loader has 1");
  }

  @Test
  void aCopyOfTheDataSetElsewhereResumes() throws IOException {
    List<Long> full = ids(loader);
    LoaderState state = firstState();
    Path copy = Files.createDirectory(dir.resolve("copy"));
    Path xc = Files.copy(x.path(), copy.resolve("x.npy"));
    Path yc = Files.copy(y.path(), copy.resolve("y.npy"));
    assertThat(xc.toFile().setLastModified(0)).isTrue();
    try (NpyArray x2 = NpyArray.open(xc);
        NpyArray y2 = NpyArray.open(yc)) {
      List<Long> rest = ids(Loader.builder(x2, y2).batchSize(3).build().resumeFrom(state));
      assertThat(rest).containsExactlyElementsOf(full.subList(3, 10));
    }
  }

  @Test
  void aStateOfTheFirstFormatStillResumesWithoutTheDataCheck() {
    LoaderState v1 =
        LoaderState.parse(
            "memflux-state/1 epoch=0 rows=10 shuffle=none world=1 consumed=6 leftovers= tail=0");
    assertThat(v1.dataFingerprint()).isEmpty();
    List<Long> rest = ids(loader.resumeFrom(v1));
    assertThat(rest).containsExactlyElementsOf(LongStream.range(6, 10).boxed().toList());
    assertThatThrownBy(
            () ->
                LoaderState.parse(
                    "memflux-state/1 epoch=0 rows=10 shuffle=none world=1 consumed=99 leftovers="
                        + " tail=0"))
        .hasMessageContaining("rank 0 consumed 99 samples");
  }
}
