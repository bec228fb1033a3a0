package dev.memflux.core;

import java.util.SplittableRandom;

/** A uniformly random permutation materialised by Fisher–Yates: 4 bytes a row. */
final class PermutationOrder implements SampleOrder {

  private final int[] rows;

  PermutationOrder(int n, long seed) {
    rows = new int[n];
    for (int i = 0; i < n; i++) {
      rows[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
    }
  }

  @Override
  public long rowAt(long position) {
    return rows[(int) position];
  }
}
