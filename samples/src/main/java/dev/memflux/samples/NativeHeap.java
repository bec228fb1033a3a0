package dev.memflux.samples;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps glibc from handing PyTorch's freed tensor memory back to the kernel after every training
 * step. PyTorch's CPU allocator is plain {@code malloc}; with glibc's adaptive defaults a step's
 * large activations (25 MB each for the CNN at batch 256) are often unmapped or trimmed when freed
 * and faulted back in by the next step. How often depends on which malloc arena the training thread
 * landed on, so the same loop ran at 3.5k or 5k samples/s from one thread to the next (about
 * 800,000 page faults in 84 steps against 30,000 here). Fixed thresholds make it steady: blocks
 * under 32 MiB come from the heap, and up to 1 GiB of free heap is kept for reuse.
 *
 * <p>The same as starting the JVM with {@code MALLOC_MMAP_THRESHOLD_=33554432
 * MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864}; nothing is changed when any {@code
 * MALLOC_} variable or {@code GLIBC_TUNABLES} is set, or off glibc.
 */
public final class NativeHeap {

  private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);

  // mallopt parameters, from glibc's malloc.h.
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int M_TOP_PAD = -2;
  private static final int M_MMAP_THRESHOLD = -3;

  /** glibc's largest accepted mmap threshold on 64-bit (HEAP_MAX_SIZE / 2). */
  static final int MMAP_THRESHOLD = 32 << 20;

  static final int TRIM_THRESHOLD = 1 << 30;
  static final int TOP_PAD = 64 << 20;

  private NativeHeap() {}

  /** glibc's tuning call; {@code mallopt} returns 1 on success. */
  private interface LibC extends Library {
    int mallopt(int param, int value);
  }

  /**
   * Applies the fixed thresholds unless the environment already tunes malloc.
   *
   * @return whether they were applied
   */
  public static boolean retainFreedMemoryUnlessSet() {
    return retainFreedMemoryUnlessSet(System.getenv());
  }

  static boolean retainFreedMemoryUnlessSet(Map<String, String> env) {
    boolean userTuned =
        env.containsKey("GLIBC_TUNABLES")
            || env.keySet().stream().anyMatch(k -> k.startsWith("MALLOC_"));
    if (userTuned || !System.getProperty("os.name", "").startsWith("Linux")) {
      return false;
    }
    try {
      LibC libc = Native.load("c", LibC.class);
      boolean applied =
          libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
              && libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
              && libc.mallopt(M_TOP_PAD, TOP_PAD) == 1;
      LOG.debug("malloc thresholds fixed: {}", applied);
      return applied;
    } catch (LinkageError e) {
      // No mallopt (musl, say): nothing to tune, and nothing is lost but speed.
      LOG.debug("mallopt unavailable: {}", e.toString());
      return false;
    }
  }
}
