package dev.memflux.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A loader's read settings once resolved at {@link Loader.Builder#build()}: the mode of each field
 * ({@link IoPolicy}), the I/O threads, and how the I/O budget is spent. Reads in flight never hold
 * more than the budget beyond the batches' own buffers: each I/O thread at most one read buffer of
 * {@link #MAX_READ} (plus alignment), and the rest is the blocks cache of {@link Shuffle#blocks},
 * shared among the fields read from their files in proportion to their row sizes.
 */
final class IoSettings {

  /** The largest single read: enough for the device's sequential bandwidth, small to buffer. */
  static final int MAX_READ = 1 << 20;

  private final IoChoice choice;
  private final int depth;
  private final int[] alignments;
  private final long[] blockRows;
  private final long[] blockBudgets;

  private IoSettings(
      IoChoice choice, int depth, int[] alignments, long[] blockRows, long[] blockBudgets) {
    this.choice = choice;
    this.depth = depth;
    this.alignments = alignments;
    this.blockRows = blockRows;
    this.blockBudgets = blockBudgets;
  }

  /**
   * Resolves the settings for {@code fields}.
   *
   * @param mode what the builder asked for
   * @param depth I/O threads, each one read in flight
   * @param budget bytes of read buffers and blocks cache
   */
  static IoSettings resolve(
      NpyArray[] fields,
      Shuffle shuffle,
      IoMode mode,
      int depth,
      long budget,
      MemoryProbe probe,
      IoPolicy.DirectSupport direct) {
    List<IoPolicy.Field> facts = new ArrayList<>();
    for (NpyArray f : fields) {
      facts.add(new IoPolicy.Field(f.path(), f.rows() * f.rowBytes(), f.layout().isPresent()));
    }
    IoPolicy.Decision decision = IoPolicy.decide(mode, facts, probe::read, direct);
    IoChoice choice = decision.choice();
    int n = fields.length;
    long[] blockRows = new long[n];
    long[] blockBudgets = new long[n];
    long readBuffers = 0;
    long fileRowBytes = 0;
    for (int f = 0; f < n; f++) {
      if (choice.modes().get(f) != IoMode.MAPPED) {
        readBuffers = Math.max(readBuffers, (long) depth * largeBytes(decision.alignments()[f]));
        fileRowBytes += fields[f].rowBytes();
      }
    }
    String note = "";
    if (shuffle.blockRows() > 0 && fileRowBytes > 0) {
      long cache = Math.max(0, budget - readBuffers);
      for (int f = 0; f < n; f++) {
        if (choice.modes().get(f) == IoMode.MAPPED) {
          continue;
        }
        long share = (long) ((double) cache * fields[f].rowBytes() / fileRowBytes);
        long window = shuffle.blockRows() * shuffle.windowBlocks() * fields[f].rowBytes();
        if (2 * window <= share) {
          blockRows[f] = shuffle.blockRows();
          blockBudgets[f] = share;
        } else {
          note +=
              "; a window of "
                  + shuffle.windowBlocks()
                  + " blocks of "
                  + fields[f].path().getFileName()
                  + " ("
                  + IoPolicy.size(window)
                  + ") needs twice that of its "
                  + IoPolicy.size(share)
                  + " share of the I/O budget to be read whole, so its rows are read one by one";
        }
      }
    }
    if (!note.isEmpty()) {
      choice = new IoChoice(choice.modes(), choice.reason() + note);
    }
    return new IoSettings(choice, depth, decision.alignments(), blockRows, blockBudgets);
  }

  /** Bytes of one large read buffer for reads aligned to {@code alignment}. */
  private static int largeBytes(int alignment) {
    return MAX_READ + (alignment > 1 ? 2 * alignment : 0);
  }

  IoChoice choice() {
    return choice;
  }

  /** I/O threads: reads in flight at once. */
  int depth() {
    return depth;
  }

  /** Fresh read buffers for field {@code f}, for one subscription. */
  ReadBuffers buffers(int f) {
    return new ReadBuffers(alignments[f], largeBytes(alignments[f]), depth);
  }

  /** Rows of a block field {@code f} reads whole through the blocks cache; 0 to read rows. */
  long blockRows(int f) {
    return blockRows[f];
  }

  /** Bytes field {@code f}'s blocks cache may hold. */
  long blockBudget(int f) {
    return blockBudgets[f];
  }
}
