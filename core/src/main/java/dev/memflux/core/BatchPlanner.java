package dev.memflux.core;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Produces, one after the other, which sample ids each batch holds and the state after it. Pure
 * bookkeeping, no I/O: a function of the loader's settings and the start state. Used by one thread
 * at a time.
 */
final class BatchPlanner {

  /** One batch to gather. */
  record Planned(long epoch, long sequence, long[] indices, LoaderState after) {}

  private final long rows;
  private final LongFunction<SampleOrder> orders;
  // The shuffle as loader states name it, once rather than for every batch.
  private final String shuffleName;
  private final String data;
  private final int batchSize;
  private final boolean dropLast;
  private final long epochs;
  private final int rank;
  private final int worldSize;

  private long epoch;
  private EpochPlan plan;
  private long consumed;
  private @Nullable SampleOrder order; // this epoch's, computed at its first batch

  /**
   * A planner from {@code start}; {@code orders} gives each epoch's order of {@code shuffle}
   * ({@link Shuffle#order}, possibly computed ahead), which states name with {@code data}, the
   * fields' {@link DataFingerprint}.
   *
   * @throws IllegalArgumentException when {@code start} was not taken from a loader like this one,
   *     over this data, or does not know this rank's position
   */
  BatchPlanner(
      long rows,
      Shuffle shuffle,
      String data,
      LongFunction<SampleOrder> orders,
      int batchSize,
      boolean dropLast,
      long epochs,
      int rank,
      int worldSize,
      LoaderState start) {
    this.rows = rows;
    this.orders = orders;
    this.shuffleName = shuffle.toString();
    this.data = data;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.epochs = epochs;
    this.rank = rank;
    this.worldSize = worldSize;
    if (start.rows() != rows || !start.shuffle().equals(shuffleName)) {
      throw new IllegalArgumentException(
          "loader state was taken from a loader over "
              + start.rows()
              + " rows with shuffle "
              + start.shuffle()
              + ", this loader has "
              + rows
              + " rows and shuffle "
              + shuffle);
    }
    String otherData = DataFingerprint.difference(start.dataFingerprint(), data);
    if (otherData != null) {
      throw new IllegalArgumentException(
          "loader state was taken over other data: " + otherData + " (state: " + start + ")");
    }
    this.epoch = start.epoch();
    EpochPlan statePlan = EpochPlan.of(start);
    if (start.worldSize() == worldSize && start.consumed(rank) >= 0) {
      this.plan = statePlan;
      this.consumed = start.consumed(rank);
      if (consumed > usable()) {
        throw new IllegalArgumentException(
            "loader state says rank "
                + rank
                + " consumed "
                + consumed
                + " samples of epoch "
                + epoch
                + ", but this loader's rank "
                + rank
                + " reads "
                + usable()
                + " in it");
      }
    } else if (start.knowsAllRanks()) {
      // Elastic resume: the new ranks split exactly what no old rank has read.
      this.plan = statePlan.remaining(start.consumed());
      this.consumed = 0;
    } else {
      throw new IllegalArgumentException(
          "loader state knows ranks "
              + Arrays.toString(start.consumed())
              + " of world size "
              + start.worldSize()
              + "; resuming as rank "
              + rank
              + " of "
              + worldSize
              + " needs that rank's own state, or LoaderState.merge(...) of every rank's state");
    }
  }

  /** Samples this rank reads in the current epoch, after dropping an incomplete last batch. */
  private long usable() {
    return usable(plan, worldSize, dropLast, batchSize);
  }

  /**
   * The rows a batch buffer needs: the batch size, or fewer when no batch can be that large because
   * a rank's share of an epoch is smaller. A resumed epoch's plan is never longer than a full one,
   * so this bounds every batch.
   */
  static int batchRows(long rows, int worldSize, boolean dropLast, int batchSize) {
    return (int) Math.min(batchSize, EpochPlan.full(rows).perRank(worldSize, dropLast));
  }

  /** Samples a rank reads in an epoch of {@code plan}, after dropping an incomplete last batch. */
  static long usable(EpochPlan plan, int worldSize, boolean dropLast, int batchSize) {
    long perRank = plan.perRank(worldSize, dropLast);
    return dropLast ? perRank - perRank % batchSize : perRank;
  }

  boolean hasNext() {
    while (epoch < epochs && consumed >= usable()) {
      startEpoch(epoch + 1);
      if (usable() == 0) {
        // A fresh epoch with nothing to read (too few rows for a full batch): so is every later
        // one.
        epoch = epochs;
      }
    }
    return epoch < epochs;
  }

  private void startEpoch(long next) {
    epoch = next;
    plan = EpochPlan.full(rows);
    consumed = 0;
    order = null;
  }

  Planned next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no batch left after epoch " + epochs);
    }
    if (order == null) {
      order = orders.apply(epoch);
    }
    long limit = usable();
    int n = (int) Math.min(batchSize, limit - consumed);
    long[] indices = new long[n];
    // Step through the plan instead of recomputing each index: this runs for every sample.
    long length = plan.length();
    long planIndex = plan.indexFor(rank, worldSize, consumed);
    for (int i = 0; i < n; i++) {
      indices[i] = order.rowAt(plan.position(planIndex));
      planIndex += worldSize;
      if (planIndex >= length) {
        planIndex %= length;
      }
    }
    long sequence = consumed / batchSize;
    consumed += n;
    LoaderState after;
    if (consumed >= limit) {
      after = LoaderState.epochStart(epoch + 1, rows, shuffleName, data, worldSize);
    } else {
      long[] known = new long[worldSize];
      Arrays.fill(known, -1);
      known[rank] = consumed;
      after =
          new LoaderState(
              epoch, rows, shuffleName, data, worldSize, known, plan.leftovers(), plan.tailStart());
    }
    return new Planned(epoch, sequence, indices, after);
  }
}
