package dev.memflux.train;

import ai.djl.engine.Engine;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The two process settings that decide how fast a model trains on the CPU, whatever feeds it, in
 * one call at the start of {@code main}:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   CpuTraining.tune();   // before training; see below for what it does
 *   ...
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>PyTorch's intra-op threads</b>, half the processors (one on two cores) unless {@code
 *       -Dai.djl.pytorch.num_threads} says otherwise. By default PyTorch takes every core, and its
 *       OpenMP workers spin between the many small ops of a small model, taking the cores the data
 *       pipeline needs: an MLP trained about ten times slower on two cores. This loads DJL's
 *       PyTorch engine (with the setting) if it is not loaded yet, so set any DJL properties of
 *       your own first.
 *   <li><b>glibc's malloc thresholds</b> (Linux): PyTorch's CPU tensors come from {@code malloc},
 *       and with glibc's adaptive defaults a step's large activations were often unmapped when
 *       freed and faulted back in by the next step, depending on which malloc arena the training
 *       thread landed on: the same CNN loop ran at 3.5 k or 5 k samples/s from one run to the next
 *       (about 800,000 page faults in 84 steps against 30,000). Fixed thresholds make it steady:
 *       blocks under 32 MiB come from the heap and up to 1 GiB of free heap is kept. Nothing is
 *       changed when a {@code MALLOC_} variable or {@code GLIBC_TUNABLES} is set.
 * </ul>
 *
 * <p>What cannot be applied in the running process is returned as advice and logged (through {@link
 * System.Logger}) as one warning. {@link Training#fit} logs one warning when it starts on the CPU
 * with settings known to be bad and this was not called.
 */
public final class CpuTraining {

  /** DJL's property for PyTorch's intra-op threads. */
  static final String NUM_THREADS = "ai.djl.pytorch.num_threads";

  /** DJL's property for PyTorch's inter-op threads. */
  static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  /** glibc's largest accepted mmap threshold on 64-bit (HEAP_MAX_SIZE / 2). */
  static final int MMAP_THRESHOLD = 32 << 20;

  static final int TRIM_THRESHOLD = 1 << 30;
  static final int TOP_PAD = 64 << 20;

  // mallopt parameters, from glibc's malloc.h.
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int M_TOP_PAD = -2;
  private static final int M_MMAP_THRESHOLD = -3;

  private static final String PYTORCH = "PyTorch";
  private static final String JNI_UTILS = "ai.djl.pytorch.jni.JniUtils";
  private static final System.Logger LOG = System.getLogger(CpuTraining.class.getName());
  // One warning per JVM; package-private so a test can see it again.
  static final AtomicBoolean WARNED = new AtomicBoolean();
  private static volatile boolean mallocTuned;

  private CpuTraining() {}

  /**
   * What {@link #tune()} left in effect.
   *
   * @param torchThreads PyTorch's intra-op threads now, or 0 when PyTorch is not DJL's engine here
   * @param mallocTuned whether malloc's thresholds are fixed (by this call or by the environment)
   * @param advice what could not be applied in-process, one sentence each; empty when all was
   */
  public record Tuning(int torchThreads, boolean mallocTuned, List<String> advice) {
    /** Copies the advice in. */
    public Tuning {
      advice = List.copyOf(advice);
    }
  }

  /** glibc's tuning call; {@code mallopt} returns 1 on success. */
  private interface LibC extends Library {
    int mallopt(int param, int value);
  }

  /**
   * Applies both settings as far as the running process allows; calling it again does no harm.
   *
   * @return what is in effect, and advice for what is not
   */
  @CanIgnoreReturnValue // most callers only want the settings; the result says what was set
  public static Tuning tune() {
    List<String> advice = new ArrayList<>();
    int threads = limitTorchThreads(advice);
    boolean malloc = fixMallocThresholds(System.getenv(), advice);
    if (!advice.isEmpty()) {
      LOG.log(Level.WARNING, "memflux: " + String.join(" ", advice));
    }
    return new Tuning(threads, malloc, advice);
  }

  /** The intra-op threads memflux recommends: half the processors, at least one. */
  static int recommendedTorchThreads(int processors) {
    return Math.max(1, processors / 2);
  }

  private static int limitTorchThreads(List<String> advice) {
    int processors = Runtime.getRuntime().availableProcessors();
    String chosen = System.getProperty(NUM_THREADS);
    int wanted = recommendedTorchThreads(processors);
    if (chosen == null) {
      System.setProperty(NUM_THREADS, Integer.toString(wanted));
      if (System.getProperty(NUM_INTEROP_THREADS) == null) {
        System.setProperty(NUM_INTEROP_THREADS, "1");
      }
    } else {
      wanted = Integer.parseInt(chosen.strip());
    }
    if (!Engine.hasEngine(PYTORCH)) {
      return 0;
    }
    // Loads the engine with the properties above; an engine loaded before them is set directly.
    Engine.getEngine(PYTORCH);
    int now = torchThreads();
    if (now != wanted && setTorchThreads(wanted)) {
      now = torchThreads();
    }
    if (now != wanted) {
      advice.add(
          String.format(
              Locale.ROOT,
              "PyTorch kept %d intra-op threads: start the JVM with -D%s=%d.",
              now,
              NUM_THREADS,
              wanted));
    }
    return now;
  }

  /**
   * Fixes glibc's malloc thresholds unless {@code env} tunes malloc already.
   *
   * @return whether the thresholds are fixed now, by this call or by the environment
   */
  static boolean fixMallocThresholds(Map<String, String> env, List<String> advice) {
    if (mallocTunedByEnvironment(env)) {
      return true;
    }
    if (!isLinux()) {
      return false;
    }
    try {
      LibC libc = Native.load("c", LibC.class);
      boolean applied =
          libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
              && libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
              && libc.mallopt(M_TOP_PAD, TOP_PAD) == 1;
      if (applied) {
        mallocTuned = true;
        return true;
      }
    } catch (LinkageError e) {
      // no mallopt (musl, say), or no JNA: say what to do instead
    }
    advice.add(
        "malloc's thresholds could not be fixed in-process: start the JVM with"
            + " MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824"
            + " MALLOC_TOP_PAD_=67108864, or preload jemalloc or tcmalloc.");
    return false;
  }

  private static boolean mallocTunedByEnvironment(Map<String, String> env) {
    return env.containsKey("GLIBC_TUNABLES")
        || env.keySet().stream().anyMatch(k -> k.startsWith("MALLOC_"))
        || env.getOrDefault("LD_PRELOAD", "").matches(".*(jemalloc|tcmalloc).*");
  }

  private static boolean isLinux() {
    return System.getProperty("os.name", "").startsWith("Linux");
  }

  /**
   * Logs one warning, once per JVM, when CPU training on PyTorch starts with settings known to be
   * bad: as many intra-op threads as processors (PyTorch's default, which leaves none to the
   * pipeline), or glibc's adaptive malloc thresholds. {@link Training#fit} calls it.
   */
  static void warnIfKnownBad(Engine engine) {
    if (!PYTORCH.equals(engine.getEngineName()) || WARNED.get()) {
      return;
    }
    @Nullable String problem =
        knownBad(
            torchThreads(),
            Runtime.getRuntime().availableProcessors(),
            mallocTuned || mallocTunedByEnvironment(System.getenv()) || !isLinux());
    if (problem != null && WARNED.compareAndSet(false, true)) {
      LOG.log(Level.WARNING, problem);
    }
  }

  /** The warning for these settings, or null when none is known to be bad. */
  static @Nullable String knownBad(int torchThreads, int processors, boolean mallocTuned) {
    List<String> bad = new ArrayList<>();
    if (torchThreads >= processors && processors > 1) {
      bad.add(
          String.format(
              Locale.ROOT,
              "PyTorch has %d intra-op threads on %d processors, none left for the data pipeline",
              torchThreads,
              processors));
    }
    if (!mallocTuned) {
      bad.add("glibc's malloc unmaps and faults back PyTorch's activations at every step");
    }
    if (bad.isEmpty()) {
      return null;
    }
    return "memflux: CPU training with "
        + String.join(", and ", bad)
        + ": steps can be several times slower. Call CpuTraining.tune() at the start of main.";
  }

  /** PyTorch's intra-op threads, or 0 when DJL's PyTorch classes are not there. */
  private static int torchThreads() {
    try {
      Method get = Class.forName(JNI_UTILS).getMethod("getNumThreads");
      return (Integer) get.invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return 0;
    }
  }

  private static boolean setTorchThreads(int threads) {
    try {
      Method set = Class.forName(JNI_UTILS).getMethod("setNumThreads", int.class);
      set.invoke(null, threads);
      return true;
    } catch (ReflectiveOperationException | LinkageError e) {
      return false;
    }
  }
}
