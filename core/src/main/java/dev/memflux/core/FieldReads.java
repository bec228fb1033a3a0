package dev.memflux.core;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Turns the rows one field needs for a batch into positional reads on the I/O threads. The rows are
 * sorted by where they are in the file and merged: neighbours and duplicates become one read, so a
 * sequential batch is a few large reads straight into the batch buffer, and a shuffled one is one
 * exact read per row (no read-ahead, no fault-around, nothing read that was not asked for). With a
 * {@link BlockCache} ({@link Shuffle#blocks}), rows come from whole blocks read once.
 */
final class FieldReads {

  /** Queues reads on the I/O threads, each accounted to its batch. */
  interface Reads {
    /** Queues {@code read} for batch {@code p}; {@code p} hears when it has finished. */
    void submit(PendingBatch p, Runnable read);

    /** Queues {@code read}, which runs {@code onDone} with its failure (or null) when finished. */
    void submit(Runnable read, Consumer<Throwable> onDone);
  }

  private final int field;
  private final AccessGuard array;
  private final RowLayout layout;

  /** A reader of each of the field's files, indexed by {@link RowLayout#file}. */
  private final FileReader[] readers;

  private final ReadBuffers buffers;
  private final @Nullable BlockCache blocks; // null: rows are read one by one
  private final Reads reads;
  private final int rowBytes;

  /**
   * @param field the field's index in the batch
   * @param array the guard of the field's array: reads fail once it is closed, as mapped ones do
   * @param blockRows rows in a {@link Shuffle#blocks} block to read whole, or 0 to read rows
   * @param blockBudget bytes the blocks cache may hold
   */
  FieldReads(
      int field,
      AccessGuard array,
      RowLayout layout,
      FileReader[] readers,
      ReadBuffers buffers,
      long blockRows,
      long blockBudget,
      Reads reads) {
    this.field = field;
    this.array = array;
    this.layout = layout;
    this.readers = readers;
    this.buffers = buffers;
    this.reads = reads;
    this.rowBytes = (int) layout.rowBytes();
    this.blocks =
        blockRows > 0
            ? new BlockCache(
                readers,
                layout,
                blockRows,
                blockBudget,
                (read, onDone) -> reads.submit(guarded(read), onDone))
            : null;
  }

  /** {@code read}, run only while the field's array is open. */
  private Runnable guarded(Runnable read) {
    return () -> {
      array.enter();
      try {
        read.run();
      } finally {
        array.leave();
      }
    };
  }

  /** Queues the reads of rows {@code ids} into field's buffer of {@code p}, slot by slot. */
  void submit(long[] ids, PendingBatch p) {
    int n = ids.length;
    if (n == 0 || rowBytes == 0) {
      return;
    }
    int[] files = new int[n];
    long[] offsets = new long[n];
    for (int s = 0; s < n; s++) {
      files[s] = layout.file(ids[s]);
      offsets[s] = layout.offset(ids[s]);
    }
    int[] order = SlotSort.byPlace(files, offsets);
    if (blocks == null) {
      submitRuns(order, 0, n, files, offsets, p);
    } else {
      submitBlocks(blocks, ids, order, files, offsets, p);
    }
  }

  /**
   * Reads rows {@code order[from..to)} (sorted by place) as runs: rows that touch or overlap in the
   * file make one run. A run whose rows fill consecutive slots in order is read in pieces straight
   * into the batch; any other (duplicates, or rows bound for scattered slots) is read into a read
   * buffer and copied from there, so it must fit one.
   */
  private void submitRuns(
      int[] order, int from, int to, int[] files, long[] offsets, PendingBatch p) {
    ByteBuffer dst = p.field(field);
    int maxRun = readers[0].maxPiece(); // the field's files share its read buffers
    int i = from;
    while (i < to) {
      int first = order[i];
      long start = offsets[first];
      long end = start + rowBytes;
      boolean straight = true;
      int j = i + 1;
      while (j < to && rowBytes <= maxRun) {
        int s = order[j];
        long at = offsets[s];
        if (files[s] != files[first] || at > end) {
          break;
        }
        boolean stillStraight = straight && at == end && s == order[j - 1] + 1;
        long newEnd = Math.max(end, at + rowBytes);
        if (!stillStraight && newEnd - start > maxRun) {
          break;
        }
        straight = stillStraight;
        end = newEnd;
        j++;
      }
      FileReader reader = readers[files[first]];
      if (straight) {
        readStraight(reader, start, (int) (end - start), first * rowBytes, dst, p);
      } else {
        readScattered(reader, order, i, j, offsets, start, (int) (end - start), dst, p);
      }
      i = j;
    }
  }

  /**
   * {@code length} bytes from file offset {@code start} to {@code dst} at {@code at}, in pieces.
   */
  private void readStraight(
      FileReader reader, long start, int length, int at, ByteBuffer dst, PendingBatch p) {
    int piece = reader.maxPiece();
    for (int done = 0; done < length; done += piece) {
      int k = done;
      int n = Math.min(piece, length - done);
      reads.submit(p, guarded(() -> reader.copy(start + k, dst, at + k, n)));
    }
  }

  /** One read of a run, then each of its rows copied to its slot. */
  private void readScattered(
      FileReader reader,
      int[] order,
      int from,
      int to,
      long[] offsets,
      long start,
      int length,
      ByteBuffer dst,
      PendingBatch p) {
    reads.submit(
        p,
        guarded(
            () -> {
              ByteBuffer b = buffers.take(reader.span(start, length));
              try {
                int base = reader.fill(b, start, length);
                for (int k = from; k < to; k++) {
                  int slot = order[k];
                  reader.copyOut(
                      b, base + (int) (offsets[slot] - start), dst, slot * rowBytes, rowBytes);
                }
              } finally {
                buffers.give(b);
              }
            }));
  }

  /**
   * Groups the rows by block, pins each block (reading it when not cached) and copies the rows from
   * it once loaded; rows of a block the cache cannot take are read as runs.
   */
  private void submitBlocks(
      BlockCache blocks, long[] ids, int[] order, int[] files, long[] offsets, PendingBatch p) {
    ByteBuffer dst = p.field(field);
    int n = order.length;
    int i = 0;
    while (i < n) {
      long block = blocks.blockOf(ids[order[i]]);
      int j = i + 1;
      while (j < n && blocks.blockOf(ids[order[j]]) == block) {
        j++;
      }
      BlockCache.Block b = blocks.pin(block);
      if (b == null) {
        submitRuns(order, i, j, files, offsets, p);
      } else {
        int from = i;
        int to = j;
        p.expect();
        blocks.whenLoaded(
            b,
            loaded -> {
              Throwable failure = loaded.failure();
              if (failure == null && !p.failed()) {
                try {
                  for (int k = from; k < to; k++) {
                    int slot = order[k];
                    loaded.extent().copyTo(offsets[slot], dst, slot * rowBytes, rowBytes);
                  }
                } catch (RuntimeException | Error e) {
                  failure = e;
                }
              }
              p.finished(failure);
            });
      }
      i = j;
    }
  }
}
