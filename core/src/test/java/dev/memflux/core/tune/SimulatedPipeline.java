package dev.memflux.core.tune;

import dev.memflux.core.stage.StageMeter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * memflux's training pipeline simulated in small time steps on a given number of processors: a
 * gather stage ({@code gatherThreads} batches at once, at most {@code prefetch} gathered or being
 * gathered ahead of the next stage), an augment stage (one batch at a time, its work shared out
 * among {@code parallelism} workers) and a consumer, the training step, which asks for {@code
 * batchesAhead} batches beyond those it took and waits when none is ready. Runnable work shares the
 * processors equally (processor sharing); a gather that is I/O takes no processor. Each batch's
 * costs are drawn from a seeded generator: uniform within ±{@code spread} of the mean, and one in
 * fifty a hiccup of four times it. The stages record their busy wall time in real {@link
 * StageMeter}s, with real {@link Knob}s, so a {@link Tuner} runs on it as on the real thing.
 */
final class SimulatedPipeline {

  /**
   * The costs of a batch, in milliseconds.
   *
   * @param gather a gather's work (processor time, or device time when {@code gatherIo})
   * @param augment the augmentation's work, all workers together
   * @param step the training step's work
   */
  record Costs(double gather, boolean gatherIo, double augment, double step, double spread) {}

  /**
   * The knobs' settings: initial values when tuned, the values when fixed.
   *
   * @param batchBytes what a gathered batch (and a converted one) holds in memory
   */
  record Settings(
      int gatherThreads, int prefetch, int parallelism, int batchesAhead, long batchBytes) {}

  private static final double DT = 50e-6;

  final Knob gatherThreads;
  final Knob prefetch;
  final Knob parallelism;
  final Knob batchesAhead;
  final StageMeter gather;
  final StageMeter augment;
  final StageMeter step;

  private final Costs costs;
  private final int processors;
  private final SplittableRandom random;

  private double now;
  private long issued;
  private long gathered;
  private long augmentTaken;
  private long ready;
  private long taken;
  private double waitSeconds;
  private final List<Task> gathers = new ArrayList<>();
  private final List<Task> augmentParts = new ArrayList<>();
  private double augmentBusy;
  private Task stepping;
  private long steps;

  private static final class Task {
    double remaining;
    final double start;

    Task(double remaining, double start) {
      this.remaining = remaining;
      this.start = start;
    }
  }

  /** A pipeline whose knobs are all tunable, starting at {@code start}. */
  static SimulatedPipeline tunable(Costs costs, int processors, Settings start, long seed) {
    return new SimulatedPipeline(costs, processors, start, true, seed);
  }

  /** A pipeline with every knob fixed at {@code settings}. */
  static SimulatedPipeline fixed(Costs costs, int processors, Settings settings, long seed) {
    return new SimulatedPipeline(costs, processors, settings, false, seed);
  }

  /** A knob at {@code value}, tunable from its minimum to {@code max}, or fixed. */
  private static Knob knob(
      boolean tuned, String name, Knob.Kind kind, int value, int min, int max) {
    return tuned ? Knob.tunable(name, kind, value, min, max) : Knob.fixed(name, kind, value);
  }

  private SimulatedPipeline(
      Costs costs, int processors, Settings settings, boolean tuned, long seed) {
    this.costs = costs;
    this.processors = processors;
    this.random = new SplittableRandom(seed);
    int max = 4 * processors;
    boolean io = costs.gatherIo();
    this.gatherThreads =
        knob(
            tuned,
            "gatherThreads",
            io ? Knob.Kind.READS : Knob.Kind.THREADS,
            settings.gatherThreads(),
            1,
            io ? 32 : max);
    this.prefetch = knob(tuned, "prefetch", Knob.Kind.BUFFER, settings.prefetch(), 1, 64);
    this.parallelism =
        knob(tuned, "parallelism", Knob.Kind.THREADS, settings.parallelism(), 1, max);
    this.batchesAhead =
        knob(tuned, "batchesAhead", Knob.Kind.BUFFER, settings.batchesAhead(), 2, 64);
    long batchBytes = settings.batchBytes();
    // A gather in progress holds a batch buffer, as does every batch gathered or converted ahead.
    gatherThreads.bytesPerUnit(batchBytes);
    prefetch.bytesPerUnit(batchBytes);
    batchesAhead.bytesPerUnit(batchBytes);
    parallelism.bytesPerUnit(batchBytes / 64);
    this.gather = new StageMeter("gather", 1, gatherThreads, prefetch);
    this.augment = new StageMeter("augment", 1, parallelism);
    this.step = new StageMeter("train", 1, batchesAhead);
  }

  /** The meters, upstream first, the consumer last: what a tuner takes. */
  List<StageMeter> meters() {
    return List.of(gather, augment, step);
  }

  /** Simulated time, in nanoseconds. */
  long nanos() {
    return Math.round(now * 1e9);
  }

  /** The consumer's data wait so far, after its first batch, in nanoseconds. */
  long waitNanos() {
    return Math.round(waitSeconds * 1e9);
  }

  /** Training steps finished so far. */
  long steps() {
    return steps;
  }

  /** Runs for {@code seconds} of simulated time. */
  void run(double seconds) {
    double end = now + seconds;
    while (now < end) {
      tick();
    }
  }

  private double cost(double meanMillis) {
    double c = meanMillis / 1000 * (1 + costs.spread() * (2 * random.nextDouble() - 1));
    return random.nextInt(50) == 0 ? 4 * c : c;
  }

  private void tick() {
    // What the consumer asks for: batchesAhead beyond those taken (refilled as it takes).
    long requested = taken + batchesAhead.value();
    while (gathers.size() < gatherThreads.value()
        && issued < requested
        && issued - augmentTaken < prefetch.value()) {
      gathers.add(new Task(cost(costs.gather()), now));
      issued++;
    }
    if (augmentParts.isEmpty() && gathered > augmentTaken) {
      augmentTaken++;
      int k = parallelism.value();
      double work = cost(costs.augment());
      for (int i = 0; i < k; i++) {
        augmentParts.add(new Task(work / k, now));
      }
      augmentBusy = 0;
    }
    if (stepping == null && ready > 0) {
      ready--;
      taken++;
      stepping = new Task(cost(costs.step()), now);
    } else if (stepping == null && taken > 0) {
      waitSeconds += DT;
    }
    int runnable =
        augmentParts.size() + (stepping != null ? 1 : 0) + (costs.gatherIo() ? 0 : gathers.size());
    double share = runnable <= processors ? DT : DT * processors / runnable;
    for (int i = gathers.size() - 1; i >= 0; i--) {
      Task g = gathers.get(i);
      g.remaining -= costs.gatherIo() ? DT : share;
      if (g.remaining <= 0) {
        gathers.remove(i);
        gather.record(Math.round((now + DT - g.start) * 1e9));
        gathered++;
      }
    }
    for (int i = augmentParts.size() - 1; i >= 0; i--) {
      Task a = augmentParts.get(i);
      a.remaining -= share;
      if (a.remaining <= 0) {
        augmentParts.remove(i);
        augmentBusy += now + DT - a.start;
        if (augmentParts.isEmpty()) {
          augment.record(Math.round(augmentBusy * 1e9));
          ready++;
        }
      }
    }
    if (stepping != null) {
      stepping.remaining -= share;
      if (stepping.remaining <= 0) {
        step.record(Math.round((now + DT - stepping.start) * 1e9));
        stepping = null;
        steps++;
      }
    }
    now += DT;
  }
}
