package dev.memflux.samples;

import com.sun.jna.Function;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One row of the soak's table: the process's figures between two rounds, when no pipeline runs.
 * Each figure is read where it has settled, so that what remains is what the process keeps: the
 * heap after a collection, direct memory once the collected buffers' cleaners have run, the thread
 * count once the last round's {@code memflux-*} threads have ended.
 *
 * @param seconds since the soak started
 * @param epochs epochs trained so far
 * @param batches batches trained so far
 * @param heapBytes heap in use after a full collection
 * @param directBytes direct buffers alive
 * @param rssBytes anonymous resident memory (malloc, heap, direct buffers, thread stacks), without
 *     the pages of mapped files, which the kernel can drop and which grow as code first runs
 * @param threads live Java threads
 * @param ndarrays NDArrays alive under the trainer's manager
 * @param unclosed pooled buffers that the rounds so far left unclosed at their end
 */
record SoakSample(
    double seconds,
    long epochs,
    long batches,
    long heapBytes,
    long directBytes,
    long rssBytes,
    int threads,
    long ndarrays,
    long unclosed) {

  private static final double MIB = 1 << 20;
  private static final long SETTLE_NANOS = 1_000_000_000L;

  /** The table's header; {@link #row()} gives its rows. */
  static final String HEADER =
      String.format(
          "%8s %8s %9s %9s %10s %8s %8s %9s %9s",
          "time_s",
          "epochs",
          "batches",
          "heap_MB",
          "direct_MB",
          "rss_MB",
          "threads",
          "ndarrays",
          "unclosed");

  /** This sample as a row of the table under {@link #HEADER}. */
  String row() {
    return String.format(
        "%8.1f %8d %9d %9.1f %10.1f %8.1f %8d %9d %9d",
        seconds,
        epochs,
        batches,
        heapBytes / MIB,
        directBytes / MIB,
        rssBytes / MIB,
        threads,
        ndarrays,
        unclosed);
  }

  /** Reads the process's figures; the caller gives what it counted itself. */
  static SoakSample take(double seconds, long epochs, long batches, long ndarrays, long unclosed) {
    System.gc(); // live data, not garbage awaiting collection
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return new SoakSample(
        seconds,
        epochs,
        batches,
        heap,
        settledDirect(),
        trimmedRssBytes(),
        settledThreadCount(),
        ndarrays,
        unclosed);
  }

  /**
   * Direct memory once the buffers the collection found unreachable are freed: their cleaners run
   * on the JDK's reference handler after the collection returns, so an immediate reading counts a
   * varying part of them (0 to 13 MiB between rounds here).
   */
  private static long settledDirect() {
    long deadline = System.nanoTime() + SETTLE_NANOS;
    long previous = liveDirectBytes();
    while (System.nanoTime() < deadline) {
      sleepMillis(5);
      long now = liveDirectBytes();
      if (now == previous) {
        return now;
      }
      previous = now;
    }
    return previous;
  }

  private static long liveDirectBytes() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getMemoryUsed();
      }
    }
    return 0;
  }

  /**
   * Live threads once the last round's {@code memflux-*} threads have ended, which they do shortly
   * after the round (a leaked one is counted after the wait).
   */
  private static int settledThreadCount() {
    long deadline = System.nanoTime() + SETTLE_NANOS;
    while (memfluxThreadsAlive() && System.nanoTime() < deadline) {
      sleepMillis(5);
    }
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static boolean memfluxThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().startsWith("memflux-"));
  }

  /**
   * Anonymous resident memory once malloc has returned its free pages. The training tuning ({@link
   * dev.memflux.train.CpuTraining#tune}) keeps freed memory in malloc's arenas, so without the trim
   * the figure is a high-water mark: it stepped up by 17 to 25 MiB at random moments (14, 30, 61 s
   * into runs here), when the JIT compiled a large method in a larger scratch arena, and never came
   * down. After {@code malloc_trim} it is what the process holds.
   */
  private static long trimmedRssBytes() {
    try {
      Function.getFunction("c", "malloc_trim").invokeInt(new Object[] {0});
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      // not glibc, or no JNA: the figure keeps the allocator's high-water marks
    }
    return anonymousRssBytes();
  }

  /** RssAnon from /proc/self/status (Linux 4.5 and later); 0 elsewhere, and it does not count. */
  private static long anonymousRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("RssAnon:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: nothing to read
    }
    return 0;
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sampling", e);
    }
  }
}
