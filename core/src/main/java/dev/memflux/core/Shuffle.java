package dev.memflux.core;

import dev.memflux.core.stage.Seeds;
import java.util.Objects;

/**
 * How a {@link Loader} orders rows within an epoch. The order is a pure function of (seed, epoch):
 * the same on every rank and after every resume, different from one epoch to the next.
 *
 * <pre>{@code
 * Shuffle.none()                  // file order: sequential reads
 * Shuffle.random(42)              // a fresh uniform permutation per epoch
 * Shuffle.blocks(4096, 42)        // shuffled 4096-row blocks, rows shuffled within 8-block windows
 * }</pre>
 */
public final class Shuffle {

  /**
   * Up to this many rows, {@link #random} materialises a Fisher–Yates permutation (4 bytes a row);
   * beyond it, a Feistel permutation is computed on the fly in constant memory.
   */
  static final long MATERIALISE_LIMIT = 1L << 24;

  private enum Kind {
    NONE,
    RANDOM,
    BLOCKS
  }

  private final Kind kind;
  private final long seed;
  private final long blockRows;
  private final int windowBlocks;

  private Shuffle(Kind kind, long seed, long blockRows, int windowBlocks) {
    this.kind = kind;
    this.seed = seed;
    this.blockRows = blockRows;
    this.windowBlocks = windowBlocks;
  }

  /** File order. */
  public static Shuffle none() {
    return new Shuffle(Kind.NONE, 0, 0, 0);
  }

  /**
   * A uniformly random permutation per epoch, derived from {@code seed} and the epoch. Up to 16M
   * rows it is materialised (4 bytes a row, 8 when a loader holds the next epoch's too, computed
   * ahead so that an epoch does not start by waiting for its shuffle); beyond, it is computed on
   * the fly in constant memory.
   */
  public static Shuffle random(long seed) {
    return new Shuffle(Kind.RANDOM, seed, 0, 0);
  }

  /**
   * Blocks of {@code blockRows} contiguous rows in shuffled order, rows shuffled within windows of
   * 8 blocks: near-sequential I/O for files larger than the page cache.
   */
  public static Shuffle blocks(long blockRows, long seed) {
    return blocks(blockRows, 8, seed);
  }

  /** As {@link #blocks(long, long)}, with rows shuffled within windows of {@code windowBlocks}. */
  public static Shuffle blocks(long blockRows, int windowBlocks, long seed) {
    if (blockRows < 1) {
      throw new IllegalArgumentException("blockRows must be >= 1, was " + blockRows);
    }
    if (windowBlocks < 1) {
      throw new IllegalArgumentException("windowBlocks must be >= 1, was " + windowBlocks);
    }
    if (blockRows * windowBlocks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a window of " + windowBlocks + " blocks of " + blockRows + " rows is too large");
    }
    return new Shuffle(Kind.BLOCKS, seed, blockRows, windowBlocks);
  }

  /** The order of epoch {@code epoch} over {@code rows} rows. */
  SampleOrder order(long rows, long epoch) {
    return switch (kind) {
      case NONE -> position -> position;
      case RANDOM -> permutation(rows, Seeds.derive(seed, epoch));
      case BLOCKS -> new BlockOrder(rows, blockRows, windowBlocks, Seeds.derive(seed, epoch));
    };
  }

  /** Rows in a block of {@link #blocks}, 0 for the other shuffles. */
  long blockRows() {
    return blockRows;
  }

  /** Blocks whose rows {@link #blocks} shuffles together, 0 for the other shuffles. */
  int windowBlocks() {
    return windowBlocks;
  }

  /** Whether {@link #order} builds a table for {@code rows} rows: worth computing ahead. */
  boolean materialises(long rows) {
    return kind == Kind.RANDOM && rows <= MATERIALISE_LIMIT;
  }

  static SampleOrder permutation(long rows, long seed) {
    return rows <= MATERIALISE_LIMIT
        ? new PermutationOrder((int) rows, seed)
        : new FeistelOrder(rows, seed);
  }

  /** A compact description, also used to check that a resumed state fits this loader. */
  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "none";
      case RANDOM -> "random:" + seed;
      case BLOCKS -> "blocks:" + blockRows + ":" + windowBlocks + ":" + seed;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shuffle s && s.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return Objects.hash(toString());
  }
}
