package dev.memflux.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Where a loader stands: resuming from this state continues exactly after the batch it was taken
 * from, with no sample lost and none repeated. It does not depend on gather threads or prefetch
 * depth. Serialise it with {@link #toString()} and read it back with {@link #parse(String)}; it is
 * a few dozen bytes, plus a few numbers a sample for an epoch that was resumed elastically.
 *
 * <p>The epoch's samples are visited through a <em>plan</em>: a sequence of positions into the
 * epoch's shuffled order, which rank {@code r} of {@code worldSize} reads with stride {@code
 * worldSize} from {@code r}. A fresh epoch's plan is every position in order; an elastically
 * resumed epoch's plan is the positions no rank had consumed ({@code planLeftovers}, then every
 * position from {@code planTailStart}).
 *
 * @param epoch the epoch to continue
 * @param rows the loader's row count, checked on resume
 * @param shuffle the loader's {@link Shuffle} description, checked on resume
 * @param worldSize ranks sharing the epoch
 * @param consumed samples of its shard consumed by each rank in this epoch; -1 where unknown
 * @param planLeftovers explicit plan positions that come first (empty for a fresh epoch)
 * @param planTailStart first position of the contiguous rest of the plan
 */
public record LoaderState(
    long epoch,
    long rows,
    String shuffle,
    int worldSize,
    long[] consumed,
    long[] planLeftovers,
    long planTailStart) {

  private static final String MAGIC = "memflux-state/1";

  /** Validates and copies the arrays in. */
  public LoaderState {
    Objects.requireNonNull(shuffle, "shuffle");
    if (epoch < 0 || rows < 0 || worldSize < 1 || planTailStart < 0 || planTailStart > rows) {
      throw new IllegalArgumentException(
          "invalid loader state: epoch="
              + epoch
              + " rows="
              + rows
              + " worldSize="
              + worldSize
              + " planTailStart="
              + planTailStart);
    }
    if (consumed.length != worldSize) {
      throw new IllegalArgumentException(
          "invalid loader state: "
              + consumed.length
              + " consumed counts for worldSize "
              + worldSize);
    }
    consumed = consumed.clone();
    planLeftovers = planLeftovers.clone();
    for (long p : planLeftovers) {
      if (p < 0 || p >= rows) {
        throw new IllegalArgumentException("invalid loader state: plan position " + p);
      }
    }
  }

  /** The start of {@code epoch} with a fresh plan, every rank at zero. */
  static LoaderState epochStart(long epoch, long rows, String shuffle, int worldSize) {
    return new LoaderState(epoch, rows, shuffle, worldSize, new long[worldSize], new long[0], 0);
  }

  @Override
  public long[] consumed() {
    return consumed.clone();
  }

  @Override
  public long[] planLeftovers() {
    return planLeftovers.clone();
  }

  /** Samples consumed by {@code rank} in this epoch, or -1 when this state does not know. */
  public long consumed(int rank) {
    return consumed[rank];
  }

  /** True when every rank's consumption is known (needed to resume with another world size). */
  boolean knowsAllRanks() {
    return Arrays.stream(consumed).allMatch(c -> c >= 0);
  }

  /**
   * Combines the states of every rank of a distributed job, taken at the same epoch, into one state
   * from which a different number of ranks can finish the epoch (elastic resume).
   *
   * @throws IllegalArgumentException if the states disagree or a rank is missing
   */
  public static LoaderState merge(Collection<LoaderState> states) {
    if (states.isEmpty()) {
      throw new IllegalArgumentException("merge needs at least one state");
    }
    LoaderState first = states.iterator().next();
    long[] merged = new long[first.worldSize];
    Arrays.fill(merged, -1);
    for (LoaderState s : states) {
      if (!s.samePlan(first)) {
        throw new IllegalArgumentException(
            "cannot merge loader states of different epochs or plans: " + first + " and " + s);
      }
      for (int r = 0; r < merged.length; r++) {
        long c = s.consumed[r];
        if (c >= 0) {
          if (merged[r] >= 0 && merged[r] != c) {
            throw new IllegalArgumentException(
                "rank " + r + " has two different positions: " + merged[r] + " and " + c);
          }
          merged[r] = c;
        }
      }
    }
    List<Integer> missing = new ArrayList<>();
    for (int r = 0; r < merged.length; r++) {
      if (merged[r] < 0) {
        missing.add(r);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("merge is missing the states of ranks " + missing);
    }
    return new LoaderState(
        first.epoch,
        first.rows,
        first.shuffle,
        first.worldSize,
        merged,
        first.planLeftovers,
        first.planTailStart);
  }

  /** As {@link #merge(Collection)}. */
  public static LoaderState merge(LoaderState... states) {
    return merge(Arrays.asList(states));
  }

  private boolean samePlan(LoaderState o) {
    return epoch == o.epoch
        && rows == o.rows
        && shuffle.equals(o.shuffle)
        && worldSize == o.worldSize
        && planTailStart == o.planTailStart
        && Arrays.equals(planLeftovers, o.planLeftovers);
  }

  /**
   * Reads a state written by {@link #toString()}.
   *
   * @throws IllegalArgumentException naming the text when it is not a loader state
   */
  public static LoaderState parse(String text) {
    Objects.requireNonNull(text, "text");
    String[] parts = text.strip().split(" ");
    if (parts.length != 8 || !parts[0].equals(MAGIC)) {
      throw new IllegalArgumentException("not a memflux loader state: '" + text + "'");
    }
    try {
      return new LoaderState(
          Long.parseLong(value(parts[1], "epoch")),
          Long.parseLong(value(parts[2], "rows")),
          value(parts[3], "shuffle"),
          Integer.parseInt(value(parts[4], "world")),
          numbers(value(parts[5], "consumed")),
          numbers(value(parts[6], "leftovers")),
          Long.parseLong(value(parts[7], "tail")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a valid memflux loader state: '" + text + "': " + e.getMessage(), e);
    }
  }

  private static String value(String part, String key) {
    if (!part.startsWith(key + "=")) {
      throw new IllegalArgumentException("expected " + key + "=..., found '" + part + "'");
    }
    return part.substring(key.length() + 1);
  }

  private static long[] numbers(String csv) {
    if (csv.isEmpty()) {
      return new long[0];
    }
    return Arrays.stream(csv.split(",")).mapToLong(Long::parseLong).toArray();
  }

  private static String csv(long[] values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(values[i]);
    }
    return sb.toString();
  }

  /** The serialised form, one line, read back by {@link #parse(String)}. */
  @Override
  public String toString() {
    return MAGIC
        + " epoch="
        + epoch
        + " rows="
        + rows
        + " shuffle="
        + shuffle
        + " world="
        + worldSize
        + " consumed="
        + csv(consumed)
        + " leftovers="
        + csv(planLeftovers)
        + " tail="
        + planTailStart;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LoaderState s && samePlan(s) && Arrays.equals(consumed, s.consumed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, rows, shuffle, worldSize, Arrays.hashCode(consumed), planTailStart);
  }
}
