package dev.memflux.core;

import java.util.Arrays;

/**
 * The sequence of positions (into an epoch's shuffled order) that an epoch visits, and how one rank
 * strides through it. See {@link LoaderState} for the model; this class also computes the plan left
 * for an elastic resume.
 */
final class EpochPlan {

  private final long rows;
  private final long[] leftovers;
  private final long tailStart;

  EpochPlan(long rows, long[] leftovers, long tailStart) {
    this.rows = rows;
    this.leftovers = leftovers;
    this.tailStart = tailStart;
  }

  static EpochPlan full(long rows) {
    return new EpochPlan(rows, new long[0], 0);
  }

  static EpochPlan of(LoaderState state) {
    return new EpochPlan(state.rows(), state.planLeftovers(), state.planTailStart());
  }

  long[] leftovers() {
    return leftovers;
  }

  long tailStart() {
    return tailStart;
  }

  /** Number of positions in the plan. */
  long length() {
    return leftovers.length + (rows - tailStart);
  }

  /** The order position at plan index {@code i}. */
  long position(long i) {
    return i < leftovers.length ? leftovers[(int) i] : tailStart + (i - leftovers.length);
  }

  /**
   * Samples each rank reads: like PyTorch's {@code DistributedSampler}, the plan is padded by
   * wrapping around to a multiple of {@code worldSize} ({@code dropLast} false) or cut to one
   * ({@code dropLast} true), so every rank reads the same number.
   */
  long perRank(int worldSize, boolean dropLast) {
    long n = length();
    return dropLast ? n / worldSize : (n + worldSize - 1) / worldSize;
  }

  /** The plan index of the {@code j}-th sample of {@code rank}. */
  long indexFor(int rank, int worldSize, long j) {
    return (rank + j * worldSize) % length();
  }

  /**
   * The plan of the samples no rank has read yet, given how many each of {@code consumed.length}
   * ranks read: the elastic-resume rule. Padding repeats are not counted as unread.
   */
  EpochPlan remaining(long[] consumed) {
    int world = consumed.length;
    long n = length();
    long minK = Arrays.stream(consumed).min().orElse(0);
    long maxK = Arrays.stream(consumed).max().orElse(0);
    long from = Math.min(n, minK * world);
    long to = Math.min(n, maxK * world);
    long explicitEnd = Math.max(to, leftovers.length);
    long[] next = new long[Math.toIntExact(explicitEnd - from)];
    int k = 0;
    for (long i = from; i < to; i++) {
      if (i / world >= consumed[(int) (i % world)]) {
        next[k++] = position(i);
      }
    }
    for (long i = to; i < leftovers.length; i++) {
      next[k++] = position(i);
    }
    long nextTail = tailStart + Math.max(0, to - leftovers.length);
    return new EpochPlan(rows, Arrays.copyOf(next, k), nextTail);
  }
}
