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
 * <p>A state is checked twice: on its own when made or parsed (the plan's positions distinct and
 * before its tail, no rank past the end of its share), and against the loader it resumes ({@link
 * Loader#resumeFrom}: row count, shuffle, the data set's fingerprint, this rank's position). The
 * fingerprint ({@code dataFingerprint}) records each field's dtype, shape and a hash of a fixed
 * sample of its elements, not file names or times, so a copy of the data set on another machine
 * resumes while another data set is refused with a message naming what differs.
 *
 * <p>States written before fingerprints ({@code memflux-state/1}) still parse, with an empty {@code
 * dataFingerprint} that skips the data check; every other check applies to them.
 *
 * @param epoch the epoch to continue
 * @param rows the loader's row count, checked on resume
 * @param shuffle the loader's {@link Shuffle} description, checked on resume
 * @param dataFingerprint the fingerprint of the loader's fields, checked on resume; empty when
 *     unknown
 * @param worldSize ranks sharing the epoch
 * @param consumed samples of its shard consumed by each rank in this epoch; -1 where unknown
 * @param planLeftovers explicit plan positions that come first (empty for a fresh epoch)
 * @param planTailStart first position of the contiguous rest of the plan
 */
public record LoaderState(
    long epoch,
    long rows,
    String shuffle,
    String dataFingerprint,
    int worldSize,
    long[] consumed,
    long[] planLeftovers,
    long planTailStart) {

  private static final String MAGIC = "memflux-state/2";
  private static final String MAGIC_BEFORE_FINGERPRINTS = "memflux-state/1";

  /**
   * Validates the state on its own and copies the arrays in.
   *
   * @throws IllegalArgumentException naming the first value that cannot belong to a loader state
   */
  public LoaderState {
    Objects.requireNonNull(shuffle, "shuffle");
    Objects.requireNonNull(dataFingerprint, "dataFingerprint");
    Objects.requireNonNull(consumed, "consumed");
    Objects.requireNonNull(planLeftovers, "planLeftovers");
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
    if (shuffle.isEmpty() || hasWhitespace(shuffle) || hasWhitespace(dataFingerprint)) {
      throw new IllegalArgumentException(
          "invalid loader state: shuffle '"
              + shuffle
              + "' and data fingerprint '"
              + dataFingerprint
              + "' must be words without spaces, the shuffle non-empty");
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
    checkPlan(planLeftovers, planTailStart);
    long planLength = planLeftovers.length + (rows - planTailStart);
    // The most any rank reads of the plan: its share, padded by wrapping around.
    long share = (planLength + worldSize - 1) / worldSize;
    for (int r = 0; r < worldSize; r++) {
      if (consumed[r] < -1 || consumed[r] > share) {
        throw new IllegalArgumentException(
            "invalid loader state: rank "
                + r
                + " consumed "
                + consumed[r]
                + " samples, but each of "
                + worldSize
                + " ranks reads at most "
                + share
                + " of the "
                + planLength
                + "-position plan (-1 for unknown)");
      }
    }
  }

  /** Plan positions are distinct and lie before the tail, so a plan visits each at most once. */
  private static void checkPlan(long[] leftovers, long tailStart) {
    long[] sorted = leftovers.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] < 0 || sorted[i] >= tailStart) {
        throw new IllegalArgumentException(
            "invalid loader state: plan position "
                + sorted[i]
                + " is not in [0, "
                + tailStart
                + "), before the plan's tail");
      }
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException(
            "invalid loader state: plan position " + sorted[i] + " appears twice");
      }
    }
  }

  private static boolean hasWhitespace(String s) {
    return s.chars().anyMatch(Character::isWhitespace);
  }

  /** The start of {@code epoch} with a fresh plan, every rank at zero. */
  static LoaderState epochStart(
      long epoch, long rows, String shuffle, String dataFingerprint, int worldSize) {
    return new LoaderState(
        epoch, rows, shuffle, dataFingerprint, worldSize, new long[worldSize], new long[0], 0);
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
        first.dataFingerprint,
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
        && dataFingerprint.equals(o.dataFingerprint)
        && worldSize == o.worldSize
        && planTailStart == o.planTailStart
        && Arrays.equals(planLeftovers, o.planLeftovers);
  }

  /**
   * Reads a state written by {@link #toString()}, of this format or of {@code memflux-state/1}
   * (without a data fingerprint).
   *
   * @throws IllegalArgumentException naming the text and the field when it is not a valid state
   */
  public static LoaderState parse(String text) {
    Objects.requireNonNull(text, "text");
    String[] parts = text.strip().split(" ", -1);
    boolean current = parts.length == 9 && parts[0].equals(MAGIC);
    boolean old = parts.length == 8 && parts[0].equals(MAGIC_BEFORE_FINGERPRINTS);
    if (!current && !old) {
      throw new IllegalArgumentException(
          "not a memflux loader state ("
              + MAGIC
              + " or "
              + MAGIC_BEFORE_FINGERPRINTS
              + "): '"
              + text
              + "'");
    }
    try {
      int k = 1;
      long epoch = number(parts[k++], "epoch");
      long rows = number(parts[k++], "rows");
      String shuffle = value(parts[k++], "shuffle");
      String data = current ? value(parts[k++], "data") : "";
      long world = number(parts[k++], "world");
      if (world > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("world=" + world + " is too large");
      }
      long[] consumed = numbers(parts[k++], "consumed", true);
      long[] leftovers = numbers(parts[k++], "leftovers", false);
      long tail = number(parts[k], "tail");
      return new LoaderState(epoch, rows, shuffle, data, (int) world, consumed, leftovers, tail);
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

  private static long number(String part, String key) {
    return parseNumber(value(part, key), key, false);
  }

  /** Comma-separated numbers; {@code -1} is allowed only where a rank's count may be unknown. */
  private static long[] numbers(String part, String key, boolean unknownAllowed) {
    String csv = value(part, key);
    if (csv.isEmpty()) {
      return new long[0];
    }
    String[] items = csv.split(",", -1);
    long[] out = new long[items.length];
    for (int i = 0; i < items.length; i++) {
      out[i] = parseNumber(items[i], key, unknownAllowed);
    }
    return out;
  }

  /**
   * A non-negative decimal number in ASCII digits ({@link Long#parseLong} also takes other scripts'
   * digits and a '+'), or -1 where allowed.
   */
  private static long parseNumber(String text, String key, boolean minusOneAllowed) {
    if (minusOneAllowed && text.equals("-1")) {
      return -1;
    }
    if (text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          key
              + " must be "
              + (minusOneAllowed ? "-1 or " : "")
              + "a number of ASCII digits, was '"
              + text
              + "'");
    }
    return Long.parseLong(text);
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
        + " data="
        + dataFingerprint
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
    return Objects.hash(
        epoch, rows, shuffle, dataFingerprint, worldSize, Arrays.hashCode(consumed), planTailStart);
  }
}
