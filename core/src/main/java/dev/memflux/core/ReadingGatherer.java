package dev.memflux.core;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Gathers batches with positional reads in flight on the subscription's {@code memflux-io} threads:
 * the out-of-core path. Issuing a batch only queues its reads and returns, so every batch that
 * demand and {@code prefetch} allow is being read at once, and the device sees tens of reads in
 * flight. Reads land in the batch's own pooled buffers (or pass through the bounded {@link
 * ReadBuffers} and {@link BlockCache}), so memory stays bounded by {@code prefetch} batches plus
 * the I/O budget. Fields whose mode is {@link IoMode#MAPPED} (small ones, or Fortran-ordered) are
 * copied from their mapping by the issuing thread.
 *
 * <p>A batch finishes on the thread of its last read; {@link GatherRun} queues it there and
 * delivers it from a gather thread ({@link #completesInline()} is false), never from an I/O thread.
 */
final class ReadingGatherer implements BatchGatherer, FieldReads.Reads {

  private final NpyArray[] fields;
  private final FieldReads[] reads;

  /** Per field, a reader of each of its files, or null for a mapped field. */
  private final FileReader[][] readers;

  private final BufferPool pool;
  private final int batchSize;
  private final IoThreads io;

  /** Every read runs inside it; closing it closes the readers once the last read has finished. */
  private final AccessGuard session;

  private ReadingGatherer(
      NpyArray[] fields,
      FileReader[][] readers,
      FieldReads[] reads,
      BufferPool pool,
      int batchSize,
      IoThreads io) {
    this.fields = fields;
    this.readers = readers;
    this.reads = reads;
    this.pool = pool;
    this.batchSize = batchSize;
    this.io = io;
    this.session = new AccessGuard("the loader's subscription", this::closeReaders);
  }

  /**
   * Opens a reader for every field not {@link IoMode#MAPPED} and starts the I/O threads.
   *
   * @param settings the loader's read settings, resolved per field
   * @throws IOException when a file cannot be opened (nothing is left open then)
   */
  static ReadingGatherer open(
      NpyArray[] fields, IoSettings settings, BufferPool pool, int batchSize) throws IOException {
    FileReader[][] readers = new FileReader[fields.length][];
    FieldReads[] reads = new FieldReads[fields.length];
    IoThreads io = new IoThreads(settings.depth());
    ReadingGatherer gatherer = new ReadingGatherer(fields, readers, reads, pool, batchSize, io);
    try {
      for (int f = 0; f < fields.length; f++) {
        IoMode mode = settings.choice().modes().get(f);
        if (mode == IoMode.MAPPED) {
          continue;
        }
        ReadBuffers buffers = settings.buffers(f);
        MappedReader[] files = fields[f].files();
        readers[f] = new FileReader[files.length];
        for (int k = 0; k < files.length; k++) {
          readers[f][k] =
              FileReader.open(files[k], fields[f].dtype(), mode == IoMode.DIRECT, buffers);
        }
        RowLayout layout = fields[f].layout().orElseThrow();
        reads[f] =
            new FieldReads(
                f,
                fields[f].guard(),
                layout,
                readers[f],
                buffers,
                settings.blockRows(f),
                settings.blockBudget(f),
                gatherer);
      }
    } catch (IOException | RuntimeException | Error e) {
      gatherer.close();
      throw e;
    }
    return gatherer;
  }

  @Override
  public void gather(BatchPlanner.Planned plan, BiConsumer<Batch, Throwable> done) {
    BatchBuffers buffers;
    try {
      buffers = BatchBuffers.acquire(fields, pool, batchSize);
    } catch (Throwable t) {
      done.accept(null, t);
      return;
    }
    PendingBatch p = new PendingBatch(plan, buffers, done);
    @Nullable Throwable failure = null;
    try {
      long[] ids = plan.indices();
      for (int f = 0; f < fields.length; f++) {
        if (reads[f] == null) {
          fields[f].gather(ids, 0, ids.length, p.field(f));
        } else {
          reads[f].submit(ids, p);
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
    p.finished(failure); // the issuing thread's own share
  }

  @Override
  public boolean completesInline() {
    return false;
  }

  @Override
  public void submit(PendingBatch p, Runnable read) {
    p.expect();
    submit(
        () -> {
          if (p.failed()) {
            throw new CancellationException("skipped: another read of the batch failed");
          }
          read.run();
        },
        p::finished);
  }

  @Override
  public void submit(Runnable read, Consumer<Throwable> onDone) {
    Runnable task =
        () -> {
          @Nullable Throwable failure = null;
          try {
            session.enter();
          } catch (IllegalStateException ended) {
            onDone.accept(new CancellationException("the subscription ended"));
            return;
          }
          try {
            read.run();
          } catch (Throwable t) {
            failure = t;
          } finally {
            session.leave();
          }
          onDone.accept(failure);
        };
    try {
      io.execute(task);
    } catch (RejectedExecutionException ended) {
      onDone.accept(new CancellationException("the subscription ended"));
    }
  }

  @Override
  public void close() {
    io.close();
    session.close();
  }

  private void closeReaders() {
    for (FileReader[] field : readers) {
      for (FileReader r : field == null ? new FileReader[0] : field) {
        if (r != null) {
          try {
            r.close();
          } catch (IOException e) {
            // A read-only descriptor: nothing is lost by a failed close.
          }
        }
      }
    }
  }
}
