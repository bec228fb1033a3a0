package dev.memflux.samples;

/**
 * Limits PyTorch to one intra-op and one inter-op thread, unless the user chose otherwise with
 * {@code -Dai.djl.pytorch.num_threads=N}. The small models of the samples gain nothing from more:
 * PyTorch's OpenMP workers spin between the many small ops and, on a 2-core machine, fight the
 * loader's threads (about 10x slower for the MLP here). The properties are read once, when DJL's
 * PyTorch engine loads, so call this before anything touches {@code ai.djl.engine.Engine}.
 *
 * <pre>{@code
 * TorchThreads.limitUnlessSet();
 * try (Model model = Model.newInstance("mlp")) { ... }
 * }</pre>
 */
public final class TorchThreads {

  /** DJL's property for PyTorch's intra-op threads. */
  public static final String NUM_THREADS = "ai.djl.pytorch.num_threads";

  /** DJL's property for PyTorch's inter-op threads. */
  public static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private TorchThreads() {}

  /** Sets both properties to 1 unless {@link #NUM_THREADS} is already set. */
  public static void limitUnlessSet() {
    if (System.getProperty(NUM_THREADS) == null) {
      System.setProperty(NUM_THREADS, "1");
      if (System.getProperty(NUM_INTEROP_THREADS) == null) {
        System.setProperty(NUM_INTEROP_THREADS, "1");
      }
    }
  }
}
