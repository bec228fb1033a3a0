package dev.memflux.core;

import dev.memflux.core.stage.Seeds;
import java.util.SplittableRandom;

/**
 * Quasi-random order for files larger than the page cache: contiguous blocks of rows are visited in
 * a shuffled block order, and the rows of each window of consecutive blocks are shuffled together,
 * so reads stay within a bounded region of the file at a time. The short last block (when the block
 * size does not divide the row count) always falls in the last window.
 */
final class BlockOrder implements SampleOrder {

  private final long rows;
  private final long blockRows;
  private final int windowBlocks;
  private final long seed;
  private final SampleOrder blocks;
  private final long fullBlocks;
  private long cachedWindow = -1;
  private long[] windowRows = new long[0];

  BlockOrder(long rows, long blockRows, int windowBlocks, long seed) {
    this.rows = rows;
    this.blockRows = blockRows;
    this.windowBlocks = windowBlocks;
    this.seed = seed;
    this.fullBlocks = rows / blockRows;
    this.blocks = Shuffle.permutation(fullBlocks, Seeds.derive(seed, -1));
  }

  @Override
  public long rowAt(long position) {
    long windowSize = blockRows * windowBlocks;
    long window = position / windowSize;
    if (window != cachedWindow) {
      fillWindow(window);
    }
    return windowRows[(int) (position - window * windowSize)];
  }

  private void fillWindow(long window) {
    long firstBlock = window * windowBlocks;
    long lastBlock = Math.min(firstBlock + windowBlocks, fullBlocks);
    int size = (int) Math.min(blockRows * windowBlocks, rows - firstBlock * blockRows);
    if (windowRows.length < size) {
      windowRows = new long[size];
    }
    int k = 0;
    for (long b = firstBlock; b < lastBlock; b++) {
      long start = blocks.rowAt(b) * blockRows;
      for (long r = 0; r < blockRows; r++) {
        windowRows[k++] = start + r;
      }
    }
    for (long r = fullBlocks * blockRows; k < size; r++) {
      windowRows[k++] = r;
    }
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, window));
    for (int i = size - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long t = windowRows[i];
      windowRows[i] = windowRows[j];
      windowRows[j] = t;
    }
    cachedWindow = window;
  }
}
