package dev.memflux.augment;

import dev.memflux.core.stage.Seeds;

/**
 * A reseedable splitmix64 generator: one per worker, reset for every (sample, op) so an op's draws
 * are a pure function of (seed, epoch, sample id, op position) without allocating a generator per
 * sample. Not thread-safe.
 */
final class Rng {

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long state;

  /** The seed of one op's generator for one sample; each input goes through a full mix. */
  static long seedFor(long seed, long epoch, long sampleId, int opIndex) {
    long h = Seeds.mix(seed + GOLDEN_GAMMA);
    h = Seeds.mix(h ^ (epoch + GOLDEN_GAMMA));
    h = Seeds.mix(h ^ (sampleId + GOLDEN_GAMMA));
    return Seeds.mix(h ^ (opIndex + GOLDEN_GAMMA));
  }

  void reset(long seed) {
    state = seed;
  }

  long nextLong() {
    state += GOLDEN_GAMMA;
    return Seeds.mix(state);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [lo, hi]; exactly lo when they are equal. */
  double uniform(double lo, double hi) {
    return lo == hi ? lo : lo + (hi - lo) * nextDouble();
  }

  /** Uniform in [0, bound), bound > 0, by Lemire's multiply-shift (bias below 2^-32). */
  int nextInt(int bound) {
    return (int) (((nextLong() >>> 32) * bound) >>> 32);
  }

  /**
   * Fills {@code out[0..n)} with standard normal draws by Marsaglia's polar method, using both
   * values of each pair so noise costs one log and one sqrt per two values.
   */
  void gaussians(float[] out, int n, float sigma) {
    int i = 0;
    while (i < n) {
      double u;
      double v;
      double s;
      do {
        u = 2 * nextDouble() - 1;
        v = 2 * nextDouble() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      double f = Math.sqrt(-2 * Math.log(s) / s) * sigma;
      out[i++] += (float) (u * f);
      if (i < n) {
        out[i++] += (float) (v * f);
      }
    }
  }
}
