package dev.memflux.core;

/**
 * How a {@link Loader} reads the rows of a field. Every mode delivers the same bytes in the same
 * order; they differ in where the bytes pass and how many reads are in flight.
 *
 * <pre>{@code
 * Loader.builder(x, y).shuffle(Shuffle.random(7)).build();                 // AUTO: decides itself
 * Loader.builder(x, y).shuffle(Shuffle.random(7)).io(IoMode.DIRECT).build(); // insist
 * loader.io();   // what was chosen for each field, and why
 * }</pre>
 */
public enum IoMode {
  /**
   * The default: {@link #MAPPED} while the data fits in the memory the process may use (the RAM
   * available, and a container's cgroup memory limit, which counts the page cache), else {@link
   * #DIRECT} (or {@link #BUFFERED} where the file system refuses {@code O_DIRECT}) for the fields
   * that do not fit, small fields staying mapped. {@link Loader#io()} says what was chosen and why.
   */
  AUTO,

  /**
   * Copies from a memory mapping of the file: the fastest while the data sits in the page cache.
   * Out of core each random row costs a page fault that reads ahead around it, one or two at a
   * time: far from what the disk can do.
   */
  MAPPED,

  /**
   * Positional reads through the page cache, many in flight on the loader's {@code memflux-io}
   * threads: exact reads of the rows each batch needs, neighbours merged, no fault-around.
   */
  BUFFERED,

  /**
   * As {@link #BUFFERED}, with {@code O_DIRECT} reads that bypass the page cache: nothing read
   * ahead, nothing cached to evict, the device's own queue depth and bandwidth. For data larger
   * than memory. Fortran-ordered fields are read mapped.
   */
  DIRECT
}
