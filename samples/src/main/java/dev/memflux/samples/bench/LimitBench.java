package dev.memflux.samples.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The machine's limits, the floor a loader's figures are judged against: memory-copy bandwidth (one
 * large direct buffer into another, 1 and 2 threads) and the sequential read of a page-cached file
 * (a fresh mapping copied out in 16 MiB chunks, which pays the first-touch page faults as the
 * loader's fresh mapping does, and {@code read()} into a reused buffer). The copy threads come from
 * the caller's scheduler, which needs at least two threads.
 */
final class LimitBench {

  private static final int CHUNK = 16 << 20;
  private static final long MAX_WINDOW = 1L << 30;

  private final BenchSettings settings;
  private final BenchFiles files;
  private final Scheduler threads;

  LimitBench(BenchSettings settings, BenchFiles files, Scheduler threads) {
    this.settings = settings;
    this.files = files;
    this.threads = threads;
  }

  /** Every limit row. */
  List<Result> run() throws Exception {
    List<Result> results = new ArrayList<>();
    int bytes = settings.memcpyBytes();
    ByteBuffer src = ByteBuffer.allocateDirect(bytes);
    ByteBuffer dst = ByteBuffer.allocateDirect(bytes);
    // Touch every page of both before timing: a copy's first pass would measure page faults.
    for (int i = 0; i < bytes; i += 4096) {
      src.put(i, (byte) i);
      dst.put(i, (byte) 0);
    }
    for (int t = 1; t <= 2; t++) {
      int parts = t;
      Timing.Summary s =
          Timing.measure(settings.warmups(), settings.reps() + 2, () -> copy(src, dst, parts));
      results.add(row("memcpy", "direct-to-direct", null, t, s));
    }
    for (BenchDataset d : BenchDataset.values()) {
      Path file = files.images(d);
      PageCache.warm(file);
      long rows = settings.rows(d);
      results.add(
          row(
              "seqread",
              "mmap-fresh",
              d.id(),
              1,
              Timing.measure(settings.warmups(), settings.reps(), () -> mappedRead(file, rows))));
      results.add(
          row(
              "seqread",
              "read()",
              d.id(),
              1,
              Timing.measure(settings.warmups(), settings.reps(), () -> channelRead(file, rows))));
    }
    return results;
  }

  private Timing.Rep copy(ByteBuffer src, ByteBuffer dst, int parts) {
    int size = src.capacity() / parts;
    long start = System.nanoTime();
    Flux.range(0, parts)
        .flatMap(
            p ->
                Mono.fromRunnable(() -> dst.slice(p * size, size).put(src.slice(p * size, size)))
                    .subscribeOn(threads),
            parts)
        .blockLast();
    return new Timing.Rep(0, (long) size * parts, Timing.since(start));
  }

  /** Copies the file out of a new mapping, window by window; {@code rows} counts its rows. */
  private static Timing.Rep mappedRead(Path file, long rows) throws IOException {
    ByteBuffer out = ByteBuffer.allocateDirect(CHUNK);
    long start = System.nanoTime();
    long size;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      size = channel.size();
      for (long window = 0; window < size; window += MAX_WINDOW) {
        MappedByteBuffer map =
            channel.map(FileChannel.MapMode.READ_ONLY, window, Math.min(MAX_WINDOW, size - window));
        for (int at = 0; at < map.capacity(); at += CHUNK) {
          int n = Math.min(CHUNK, map.capacity() - at);
          out.clear().put(map.slice(at, n));
        }
      }
    }
    return new Timing.Rep(rows, size, Timing.since(start));
  }

  private static Timing.Rep channelRead(Path file, long rows) throws IOException {
    ByteBuffer out = ByteBuffer.allocateDirect(CHUNK);
    long start = System.nanoTime();
    long bytes = PageCache.readThrough(file, out);
    return new Timing.Rep(rows, bytes, Timing.since(start));
  }

  private static Result row(
      String impl, String variant, @Nullable String dataset, int threads, Timing.Summary s) {
    return Result.measured("limit", impl, variant, dataset, false, threads, s, 0, "");
  }
}
