package dev.memflux.core;

import dev.memflux.core.stage.Seeds;

/**
 * A pseudo-random permutation of {@code [0, n)} computed on the fly, for datasets with too many
 * rows to materialise a permutation per epoch: a balanced Feistel network on the smallest even
 * power of two covering {@code n}, with cycle walking to stay inside {@code [0, n)} (fewer than
 * four rounds of walking on average).
 */
final class FeistelOrder implements SampleOrder {

  private static final int ROUNDS = 6;

  private final long n;
  private final int halfBits;
  private final long halfMask;
  private final long[] keys = new long[ROUNDS];

  FeistelOrder(long n, long seed) {
    this.n = n;
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1)));
    halfBits = (bits + 1) / 2;
    halfMask = (1L << halfBits) - 1;
    for (int r = 0; r < ROUNDS; r++) {
      keys[r] = Seeds.derive(seed, r);
    }
  }

  @Override
  public long rowAt(long position) {
    long x = position;
    do {
      x = encrypt(x);
    } while (x >= n);
    return x;
  }

  private long encrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (long key : keys) {
      long next = left ^ (Seeds.mix(right ^ key) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }
}
