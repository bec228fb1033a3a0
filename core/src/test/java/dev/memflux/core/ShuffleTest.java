package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShuffleTest {

  static long[] epoch(Shuffle s, long rows, long epoch) {
    SampleOrder order = s.order(rows, epoch);
    return LongStream.range(0, rows).map(order::rowAt).toArray();
  }

  static void assertPermutation(long[] order, long rows) {
    assertThat(Arrays.stream(order).sorted().toArray())
        .containsExactly(LongStream.range(0, rows).toArray());
  }

  @Test
  void noneIsFileOrder() {
    assertThat(epoch(Shuffle.none(), 10, 3)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void randomIsAPermutationThatDependsOnSeedAndEpochOnly() {
    long[] e0 = epoch(Shuffle.random(42), 5000, 0);
    assertPermutation(e0, 5000);
    assertThat(epoch(Shuffle.random(42), 5000, 0)).containsExactly(e0);
    assertThat(epoch(Shuffle.random(42), 5000, 1)).isNotEqualTo(e0);
    assertThat(epoch(Shuffle.random(43), 5000, 0)).isNotEqualTo(e0);
  }

  @Test
  void randomPositionsAreUniform() {
    // Where row 0 lands, over many epochs: chi-square against uniform over 10 buckets.
    int buckets = 10;
    int[] counts = new int[buckets];
    int trials = 5000;
    for (int e = 0; e < trials; e++) {
      long[] order = epoch(Shuffle.random(7), 100, e);
      for (int p = 0; p < 100; p++) {
        if (order[p] == 0) {
          counts[p / 10]++;
        }
      }
    }
    double expected = trials / (double) buckets;
    double chi2 =
        Arrays.stream(counts).mapToDouble(c -> (c - expected) * (c - expected) / expected).sum();
    assertThat(chi2).as("chi-square with 9 degrees of freedom, p=0.001 at 27.9").isLessThan(27.9);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 1000, 1023, 1024, 1025, 65_537})
  void feistelIsABijectionForAnySize(long n) {
    FeistelOrder order = new FeistelOrder(n, 99);
    long[] all = LongStream.range(0, n).map(order::rowAt).toArray();
    assertPermutation(all, n);
    if (n > 100) {
      assertThat(all).isNotEqualTo(LongStream.range(0, n).toArray());
    }
  }

  @Test
  void largeRandomShufflesUseConstantMemory() {
    assertThat(Shuffle.permutation(Shuffle.MATERIALISE_LIMIT + 1, 1))
        .isInstanceOf(FeistelOrder.class);
    assertThat(Shuffle.permutation(Shuffle.MATERIALISE_LIMIT, 1))
        .isInstanceOf(PermutationOrder.class);
  }

  @Test
  void blocksArePermutationsThatStayWithinAWindow() {
    long rows = 10_050;
    long[] order = epoch(Shuffle.blocks(100, 4, 3), rows, 0);
    assertPermutation(order, rows);
    // each run of 400 positions (one window) touches at most 4 blocks of 100 rows
    for (int w = 0; w < 25; w++) {
      long blocks =
          Arrays.stream(order, w * 400, w * 400 + 400).map(r -> r / 100).distinct().count();
      assertThat(blocks).isLessThanOrEqualTo(4);
    }
    assertThat(epoch(Shuffle.blocks(100, 4, 3), rows, 1)).isNotEqualTo(order);
    assertThat(epoch(Shuffle.blocks(100, 4, 3), rows, 0)).containsExactly(order);
  }

  @Test
  void descriptionsIdentifyTheShuffle() {
    assertThat(Shuffle.random(42)).hasToString("random:42").isEqualTo(Shuffle.random(42));
    assertThat(Shuffle.blocks(100, 42)).hasToString("blocks:100:8:42");
    assertThat(Shuffle.none()).hasToString("none").isNotEqualTo(Shuffle.random(0));
  }
}
