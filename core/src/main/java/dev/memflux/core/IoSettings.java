package dev.memflux.core;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * A loader's read settings once resolved at {@link Loader.Builder#build()}: the mode of each field
 * ({@link IoPolicy}), the I/O threads, and the memory reads may hold beyond the batches' own
 * buffers: each I/O thread at most one read buffer of {@link #readBytes} (1 MiB, less when the
 * JVM's direct memory is small), and the blocks cache of {@link Shuffle#blocks} within the I/O
 * budget, shared among the fields read from their files in proportion to their row sizes.
 */
final class IoSettings {

  /** The largest single read: enough for the device's sequential bandwidth, small to buffer. */
  static final int MAX_READ = 1 << 20;

  /** The smallest of the large reads, when direct memory is scarce. */
  static final int MIN_READ = 64 << 10;

  /** The default I/O budget, at most: room for two windows of 8 blocks of 8 MiB. */
  static final long DEFAULT_BUDGET = 256L << 20;

  private static volatile long directLimit;

  private final IoChoice choice;
  private final int depth;
  private final int readBytes;
  private final int[] alignments;
  private final long[] blockRows;
  private final long[] blockBudgets;

  private IoSettings(
      IoChoice choice,
      int depth,
      int readBytes,
      int[] alignments,
      long[] blockRows,
      long[] blockBudgets) {
    this.choice = choice;
    this.depth = depth;
    this.readBytes = readBytes;
    this.alignments = alignments;
    this.blockRows = blockRows;
    this.blockBudgets = blockBudgets;
  }

  /**
   * Resolves the settings for {@code fields}.
   *
   * @param mode what the builder asked for
   * @param depth I/O threads, each one read in flight
   * @param budget bytes the blocks cache may hold; negative for the default
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
      facts.add(new IoPolicy.Field(f.path(), f.dataBytes(), f.layout().isPresent()));
    }
    IoPolicy.Decision decision = IoPolicy.decide(mode, facts, probe::read, direct);
    IoChoice choice = decision.choice();
    int n = fields.length;
    long[] blockRows = new long[n];
    long[] blockBudgets = new long[n];
    long fileRowBytes = 0;
    for (int f = 0; f < n; f++) {
      if (choice.modes().get(f) != IoMode.MAPPED) {
        fileRowBytes += fields[f].rowBytes();
      }
    }
    // Read buffers and the cache are direct memory, which the JVM caps (by default at the heap's
    // maximum): each takes at most a third of it by default, leaving the rest to the batches' own
    // buffers. (Asked only when something is read from a file: the management bean costs a mapped
    // loader's start.)
    long limit = fileRowBytes > 0 ? directMemoryLimit() : Long.MAX_VALUE;
    int readBytes = MAX_READ;
    while (readBytes > MIN_READ && (long) depth * readBytes > limit / 3) {
      readBytes /= 2;
    }
    long cache = budget >= 0 ? budget : Math.min(DEFAULT_BUDGET, limit / 3);
    String note = "";
    if (shuffle.blockRows() > 0 && fileRowBytes > 0) {
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
              "; Shuffle.blocks reads "
                  + fields[f].path().getFileName()
                  + " row by row: twice its "
                  + IoPolicy.size(window)
                  + " window of "
                  + shuffle.windowBlocks()
                  + " blocks exceeds its "
                  + IoPolicy.size(share)
                  + " share of the I/O budget (ioBudget)";
        }
      }
    }
    if (!note.isEmpty()) {
      choice = new IoChoice(choice.modes(), choice.reason() + note);
    }
    return new IoSettings(choice, depth, readBytes, decision.alignments(), blockRows, blockBudgets);
  }

  /**
   * The JVM's cap on direct memory: {@code -XX:MaxDirectMemorySize}, by default the heap's maximum.
   * Read once, through the HotSpot diagnostic bean where there is one.
   */
  static long directMemoryLimit() {
    long limit = directLimit;
    if (limit == 0) {
      limit = Runtime.getRuntime().maxMemory();
      try {
        String set =
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxDirectMemorySize")
                .getValue();
        if (Long.parseLong(set) > 0) {
          limit = Long.parseLong(set);
        }
      } catch (RuntimeException | LinkageError notHotSpot) {
        // another JVM: the heap's maximum is the usual default
      }
      directLimit = limit;
    }
    return limit;
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
    int a = alignments[f];
    return new ReadBuffers(a, readBytes + (a > 1 ? 2 * a : 0), depth);
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
