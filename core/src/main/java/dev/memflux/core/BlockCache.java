package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Whole blocks of one field's file, read once and kept within a memory budget, for {@link
 * Shuffle#blocks}: the rows of a window of blocks are shuffled together, so the first batch of a
 * window needs rows of every block in it and the next batches need the rest. Reading each block as
 * one run (in pieces, in parallel) and serving the window's batches from memory turns a random read
 * per row into sequential reads at the disk's bandwidth; every byte read is used. A block is read
 * only for a batch that was requested and needs it; the other rows of the block are then served to
 * later batches from here.
 *
 * <p>Blocks are pinned while a batch copies from them and evicted least recently used; an evicted
 * block's memory is reused for the next one, so the cache allocates at most its budget. A block
 * that does not fit (too many pinned) is not cached: its batch reads those rows one by one.
 */
final class BlockCache {

  /** One block: loading, loaded, or failed. */
  static final class Block {
    private final long id;
    private final FileReader.Extent extent;
    private int pins;
    private int piecesLeft;
    private boolean loaded;
    private @Nullable Throwable failure;
    // Actions waiting for the block to load; null once it has.
    private @Nullable List<Consumer<Block>> waiters = new ArrayList<>();

    private Block(long id, FileReader.Extent extent) {
      this.id = id;
      this.extent = extent;
    }

    /** The block's bytes; valid once loaded. */
    FileReader.Extent extent() {
      return extent;
    }

    /** Why the block could not be read, or null. */
    @Nullable Throwable failure() {
      return failure;
    }
  }

  /** A reader of each of the field's files, indexed by {@link RowLayout#file}. */
  private final FileReader[] readers;

  private final RowLayout layout;
  private final long blockRows;
  private final long budget;
  private final PieceReads pieces;
  private final LinkedHashMap<Long, Block> blocks = new LinkedHashMap<>(16, 0.75f, true);
  private long used;

  /** Runs the reads of one piece of a block, on an I/O thread. */
  interface PieceReads {
    /** Queues {@code read}, which runs {@code onDone} with its failure (or null) when finished. */
    void submit(Runnable read, Consumer<@Nullable Throwable> onDone);
  }

  BlockCache(
      FileReader[] readers, RowLayout layout, long blockRows, long budget, PieceReads pieces) {
    this.readers = readers;
    this.layout = layout;
    this.blockRows = blockRows;
    this.budget = budget;
    this.pieces = pieces;
  }

  /** The block holding {@code row}. */
  long blockOf(long row) {
    return row / blockRows;
  }

  /**
   * Pins block {@code id} for one batch, starting its read when it is not cached; null when it
   * cannot be cached (its rows are not contiguous, or pinned blocks fill the budget). Each pin is
   * released by {@link #whenLoaded}'s action.
   */
  @Nullable Block pin(long id) {
    List<Runnable> reads;
    Block b;
    synchronized (this) {
      b = blocks.get(id);
      if (b != null) {
        b.pins++;
        return b;
      }
      long first = id * blockRows;
      long count = Math.min(blockRows, layout.rows() - first);
      if (layout.contiguousRows(first, count) < count
          || count * layout.rowBytes() > Integer.MAX_VALUE) {
        return null;
      }
      // rows back to back lie in one file
      FileReader reader = readers[layout.file(first)];
      long offset = layout.offset(first);
      int length = (int) (count * layout.rowBytes());
      int bytes = reader.span(offset, length);
      @Nullable ByteBuffer reuse = null;
      while (used + bytes > budget) {
        Block evicted = evictOne();
        if (evicted == null) {
          return null;
        }
        used -= evicted.extent.bytes();
        if (reuse == null && evicted.extent.bytes() >= bytes) {
          reuse = evicted.extent.buffer();
        }
      }
      b = new Block(id, reader.extent(offset, length, reuse));
      used += b.extent.bytes();
      b.pins = 1;
      b.piecesLeft = b.extent.pieces();
      blocks.put(id, b);
      reads = new ArrayList<>(b.piecesLeft);
      for (int k = 0; k < b.piecesLeft; k++) {
        int piece = k;
        FileReader.Extent extent = b.extent;
        reads.add(() -> extent.readPiece(piece));
      }
    }
    Block loading = b;
    for (Runnable read : reads) {
      pieces.submit(read, failure -> pieceDone(loading, failure));
    }
    return b;
  }

  /** The least recently used block that is loaded (or failed) and unpinned, removed; or null. */
  private @Nullable Block evictOne() {
    for (Iterator<Block> it = blocks.values().iterator(); it.hasNext(); ) {
      Block b = it.next();
      if (b.pins == 0 && (b.loaded || b.failure != null)) {
        it.remove();
        return b;
      }
    }
    return null;
  }

  private void pieceDone(Block b, @Nullable Throwable failure) {
    @Nullable List<Consumer<Block>> ready = null;
    synchronized (this) {
      if (failure != null && b.failure == null) {
        b.failure = failure;
      }
      if (--b.piecesLeft == 0) {
        b.loaded = b.failure == null;
        ready = b.waiters;
        b.waiters = null;
      }
    }
    if (ready != null) {
      ready.forEach(w -> w.accept(b));
    }
  }

  /**
   * Runs {@code action} once {@code b} is loaded or failed (now, when it already is), then unpins
   * it. The action checks {@link Block#failure()}.
   */
  void whenLoaded(Block b, Consumer<Block> action) {
    Consumer<Block> thenUnpin =
        block -> {
          try {
            action.accept(block);
          } finally {
            unpin(block);
          }
        };
    synchronized (this) {
      if (b.waiters != null) {
        b.waiters.add(thenUnpin);
        return;
      }
    }
    thenUnpin.accept(b);
  }

  private synchronized void unpin(Block b) {
    b.pins--;
    if (b.failure != null && b.pins == 0 && blocks.get(b.id) == b) {
      // A failed read is not cached: a later batch that needs the block tries again.
      blocks.remove(b.id);
      used -= b.extent.bytes();
    }
  }
}
