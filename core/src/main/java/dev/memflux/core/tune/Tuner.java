package dev.memflux.core.tune;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.stage.StageMeter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Chooses a pipeline's stage sizes while it runs, from what it measures: each stage's busy time per
 * batch ({@link StageMeter}) and the time the consumer (the training step) waits for data. The
 * stages expose their sizes as {@link Knob knobs} on their meters; knobs the user set stay as set.
 *
 * <pre>{@code
 * Tuner tuner = new Tuner(List.of(loader.gatherMeter(), augment.meter(), stepMeter),
 *     256 << 20, Runtime.getRuntime().availableProcessors() - 1);
 * tuner.start(System.nanoTime());
 * // every quarter second, say, from a timer:
 * tuner.update(System.nanoTime(), dataWaitNanosSoFar);
 * }</pre>
 *
 * <p><b>How it decides</b>, after tf.data's AUTOTUNE ({@code model.cc}'s hill climbing): from the
 * measured work per batch of every stage and the step's time, a model ({@link WaitModel}: stages in
 * a chain, bounded buffers between them as M/M/1/K queues) predicts the step's data wait for any
 * setting. Starting from every knob's minimum, the tuner adds one unit at a time to the knob whose
 * unit shortens the predicted wait most, until the wait is below {@value #TARGET_PERCENT}% of the
 * step, or no unit helps, or the next unit would take the knobs' memory over the budget. Threads
 * are not added once the model says the processors are the limit: when the stages and the step
 * together need more processor time a batch than the {@code cpus} given provide in the step's time,
 * another thread only shares the same processors. So the tuner ends at the smallest setting
 * predicted to keep the step fed: as few threads and as little memory as that needs.
 *
 * <p><b>Measurement against the model.</b> Measured work includes the waits and hiccups of a real
 * machine, but its variation is wider than the model's. When the step waited longer than the model
 * predicts for the current setting, the tuner scales every stage's time by the factor that makes
 * the two agree (the {@code jitter}), and plans with it, so measured data wait pushes the buffers
 * and threads up; it decays back towards 1 while the step waits no longer than predicted.
 *
 * <p><b>When.</b> The first decision comes after {@value #FIRST_PERIOD_MILLIS} ms and at least
 * {@value #MIN_BATCHES} steps, each next one after twice the time (at most {@value
 * #MAX_PERIOD_MILLIS} ms), from what was measured since the last one, as tf.data's period grows.
 * Knobs go up at once; they come down only while the step waits less than the target, so a setting
 * that works is not given up on a hunch. Memory stays within the budget at all times: whenever a
 * stage says what a unit holds ({@link Knob#bytesPerUnit(long)}), the knobs are brought within it,
 * buffers first.
 *
 * <p>Thread-safe: {@link #update} may run on a timer thread while the stages read their knobs.
 */
public final class Tuner {

  /** The data wait aimed below, in percent of the step's time: half of a healthy run's 1%. */
  static final double TARGET_PERCENT = 0.5;

  /** The first decision comes no earlier than this after the start. */
  static final long FIRST_PERIOD_MILLIS = 500;

  /** Decisions come at least this often. */
  static final long MAX_PERIOD_MILLIS = 8000;

  /** Steps measured before a decision, at least: fewer say little about the times. */
  static final int MIN_BATCHES = 16;

  private static final double TARGET = TARGET_PERCENT / 100;
  // A unit that shortens the predicted wait by less than this share of the step is not worth it.
  private static final double MIN_GAIN = 0.002;
  private static final double MAX_JITTER = 16;
  // A step that waits this share of its time for data leaves its processor to the stages.
  private static final double IDLE_STEP = 0.1;
  // Weight of the latest window in the running estimates.
  private static final double SMOOTHING = 0.5;

  private final List<Stage> producers = new ArrayList<>();
  private final Stage consumer;
  private final List<Knob> knobs = new ArrayList<>();
  // The climb's steps: one knob up, alone or with the knobs that cap what it can do.
  private final List<int[]> moves;
  private final long budget;
  private final int cpus;

  private final long[] lastCompleted;
  private final long[] lastBusy;
  private long windowStart;
  private long lastWait;
  private long period = FIRST_PERIOD_MILLIS * 1_000_000;
  private boolean started;

  // Estimates, in nanoseconds per batch; NaN until measured.
  private final double[] work;
  private double step = Double.NaN;
  private double observedWait = Double.NaN;
  private double jitter = 1;
  private @Nullable Plan plan; // none before the first climb
  private String budgetNote = "";

  /** One stage and its knobs. */
  private record Stage(StageMeter meter, @Nullable Knob threads, @Nullable Knob buffer) {
    static Stage of(StageMeter meter) {
      @Nullable Knob threads = null;
      @Nullable Knob buffer = null;
      for (Knob k : meter.knobs()) {
        if (k.kind() == Knob.Kind.BUFFER) {
          buffer = k;
        } else {
          threads = k;
        }
      }
      return new Stage(meter, threads, buffer);
    }

    int threadCount(int[] values, List<Knob> all) {
      return threads == null ? meter.workers() : values[all.indexOf(threads)];
    }

    int bufferSize(int[] values, List<Knob> all) {
      return buffer == null ? 1 : values[all.indexOf(buffer)];
    }

    /** Its knobs, threads first. */
    List<Knob> knobs() {
      return Stream.of(threads, buffer).filter(Objects::nonNull).toList();
    }

    boolean usesProcessors() {
      return threads == null || threads.kind() == Knob.Kind.THREADS;
    }
  }

  /**
   * What the last decision planned, and what stopped the climb short of the target, if anything.
   */
  private record Plan(int[] values, @Nullable String limit) {}

  /**
   * A tuner for a pipeline of {@code stages}, upstream first, the last being the consumer whose
   * data wait is measured (the training step; its buffer knob, if any, is the batches it asks for
   * ahead).
   *
   * @param memoryBudget bytes all knobs together may hold
   * @param cpus processors the stages may use besides the consumer's own
   * @throws IllegalArgumentException for fewer than two stages, a budget below 0 or {@code cpus <
   *     1}
   */
  public Tuner(List<StageMeter> stages, long memoryBudget, int cpus) {
    Objects.requireNonNull(stages, "stages");
    if (stages.size() < 2) {
      throw new IllegalArgumentException(
          "a tuner needs at least one stage and a consumer, was " + stages);
    }
    if (memoryBudget < 0) {
      throw new IllegalArgumentException("memoryBudget must be >= 0, was " + memoryBudget);
    }
    if (cpus < 1) {
      throw new IllegalArgumentException("cpus must be >= 1, was " + cpus);
    }
    for (StageMeter m : stages.subList(0, stages.size() - 1)) {
      producers.add(Stage.of(m));
    }
    this.consumer = Stage.of(stages.get(stages.size() - 1));
    for (Stage s : producers) {
      knobs.addAll(s.knobs());
    }
    knobs.addAll(consumer.knobs());
    this.moves = moves();
    this.budget = memoryBudget;
    this.cpus = cpus;
    this.work = new double[producers.size()];
    Arrays.fill(work, Double.NaN);
    this.lastCompleted = new long[stages.size()];
    this.lastBusy = new long[stages.size()];
  }

  /**
   * Every step the climb may take: each tunable knob up by one, and, where other tunable knobs cap
   * what it can do, that knob up with them raised to match. A stage's threads work on at most as
   * many batches as its buffer holds and the consumer asks for, and a buffer fills only as far as
   * the consumer asks: one knob up alone would then show no gain, and the climb would stop short.
   */
  private List<int[]> moves() {
    List<int[]> all = new ArrayList<>();
    Knob ahead = consumer.buffer();
    for (Stage s : producers) {
      for (Knob k : s.knobs()) {
        if (k.isFixed()) {
          continue;
        }
        all.add(new int[] {knobs.indexOf(k)});
        List<Knob> caps = new ArrayList<>();
        if (k.kind() != Knob.Kind.BUFFER && s.buffer() != null) {
          caps.add(s.buffer());
        }
        if (ahead != null) {
          caps.add(ahead);
        }
        int[] joint =
            Stream.concat(Stream.of(k), caps.stream().filter(c -> !c.isFixed()))
                .mapToInt(knobs::indexOf)
                .toArray();
        if (joint.length > 1) {
          all.add(joint);
        }
      }
    }
    if (ahead != null && !ahead.isFixed()) {
      all.add(new int[] {knobs.indexOf(ahead)});
    }
    return all;
  }

  /**
   * The default memory budget: a quarter of the memory the JVM may use (which also bounds its
   * direct buffers unless {@code -XX:MaxDirectMemorySize} says otherwise), at least 64 MiB.
   */
  public static long defaultBudget() {
    return Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  /**
   * Starts measuring at {@code nowNanos} and brings the knobs within the memory budget; from here
   * on they stay within it.
   */
  public synchronized void start(long nowNanos) {
    started = true;
    snapshot(nowNanos, 0);
    for (Knob k : knobs) {
      k.watch(this::fitBudget);
    }
    fitBudget();
  }

  /**
   * Decides when a period has passed since the last decision and enough steps were measured:
   * re-estimates every stage's time, plans the smallest setting predicted to keep the consumer fed
   * and moves the knobs towards it.
   *
   * @param consumerWaitNanos the consumer's data wait since the start, in nanoseconds
   * @return whether a knob changed
   */
  @CanIgnoreReturnValue // whether a knob moved: for tests and logs
  public synchronized boolean update(long nowNanos, long consumerWaitNanos) {
    if (!started) {
      throw new IllegalStateException("start the tuner first");
    }
    fitBudget();
    int last = producers.size();
    long steps = consumer.meter().completed() - lastCompleted[last];
    if (nowNanos - windowStart < period || steps < MIN_BATCHES) {
      return false;
    }
    for (int i = 0; i < producers.size(); i++) {
      StageMeter m = producers.get(i).meter();
      long batches = m.completed() - lastCompleted[i];
      if (batches > 0) {
        work[i] = smooth(work[i], (double) (m.busyNanos() - lastBusy[i]) / batches);
      }
      if (Double.isNaN(work[i])) {
        return false;
      }
    }
    step = smooth(step, (double) (consumer.meter().busyNanos() - lastBusy[last]) / steps);
    observedWait = (double) (consumerWaitNanos - lastWait) / steps;
    calibrate();
    plan = climb();
    boolean changed = apply(plan.values());
    snapshot(nowNanos, consumerWaitNanos);
    period = Math.min(2 * period, MAX_PERIOD_MILLIS * 1_000_000);
    return changed;
  }

  private static double smooth(double estimate, double latest) {
    return Double.isNaN(estimate) ? latest : (1 - SMOOTHING) * estimate + SMOOTHING * latest;
  }

  private void snapshot(long nowNanos, long waitNanos) {
    windowStart = nowNanos;
    lastWait = waitNanos;
    for (int i = 0; i <= producers.size(); i++) {
      StageMeter m = i < producers.size() ? producers.get(i).meter() : consumer.meter();
      lastCompleted[i] = m.completed();
      lastBusy[i] = m.busyNanos();
    }
  }

  /** Scales the stages' times so that the model predicts the wait measured, when it was longer. */
  private void calibrate() {
    int[] now = current();
    double wanted = 1;
    if (observedWait > predict(now, 1)) {
      double low = 1;
      double high = MAX_JITTER;
      if (predict(now, high) <= observedWait) {
        low = high;
      }
      for (int i = 0; i < 40 && high - low > 1e-3; i++) {
        double mid = (low + high) / 2;
        if (predict(now, mid) < observedWait) {
          low = mid;
        } else {
          high = mid;
        }
      }
      wanted = low;
    }
    jitter = Math.max(1, (1 - SMOOTHING) * jitter + SMOOTHING * wanted);
  }

  /** The knobs' current values. */
  private int[] current() {
    int[] values = new int[knobs.size()];
    for (int k = 0; k < values.length; k++) {
      values[k] = knobs.get(k).value();
    }
    return values;
  }

  /** The chain of producers as the model sees it with {@code values}. */
  private record Chain(double[] work, int[] threads, int[] buffers, int ahead) {}

  private Chain chain(int[] values) {
    int n = producers.size();
    int[] threads = new int[n];
    int[] buffers = new int[n];
    int ahead = consumer.bufferSize(values, knobs);
    for (int i = 0; i < n; i++) {
      Stage s = producers.get(i);
      // Nothing is read beyond the consumer's demand: a bigger buffer upstream never fills.
      buffers[i] = Math.min(s.bufferSize(values, knobs), ahead);
      // A buffer counts the batches in progress too (as the loader's prefetch does).
      threads[i] =
          s.buffer() == null
              ? s.threadCount(values, knobs)
              : Math.min(s.threadCount(values, knobs), buffers[i]);
    }
    return new Chain(work, threads, buffers, ahead);
  }

  /**
   * The consumer's predicted data wait per batch with {@code values}, times scaled by {@code j}.
   */
  private double predict(int[] values, double j) {
    Chain c = chain(values);
    return WaitModel.consumerWait(c.work(), c.threads(), c.buffers(), step, c.ahead(), j);
  }

  /** How often the last producer hands on a batch with {@code values}, as measured. */
  private double interval(int[] values) {
    Chain c = chain(values);
    return WaitModel.producerInterval(c.work(), c.threads(), c.buffers(), 1);
  }

  /** Processor time a batch needs in all, over the processors: the shortest interval possible. */
  private double processorBound() {
    double total = step;
    for (int i = 0; i < producers.size(); i++) {
      if (producers.get(i).usesProcessors()) {
        total += work[i];
      }
    }
    // The consumer has its own processor; the stages share the others and what it leaves idle.
    return total / (cpus + 1);
  }

  /**
   * tf.data's hill climb: from every tunable knob's minimum, one unit at a time to the knob that
   * shortens the predicted wait most, within the budget, until the wait is below the target.
   */
  private Plan climb() {
    int[] v = new int[knobs.size()];
    for (int k = 0; k < v.length; k++) {
      Knob knob = knobs.get(k);
      v[k] = knob.isFixed() ? knob.value() : knob.min();
    }
    while (true) {
      double wait = predict(v, jitter);
      if (wait <= TARGET * step) {
        return new Plan(v, null);
      }
      boolean processorBound = interval(v) <= processorBound();
      boolean overBudget = false;
      boolean threadsTaken = false;
      int[] best = null;
      double bestGain = MIN_GAIN * step;
      for (int[] move : moves) {
        Knob knob = knobs.get(move[0]);
        if (v[move[0]] >= knob.max()) {
          continue;
        }
        if (knob.kind() == Knob.Kind.THREADS
            && (processorBound || (essential(move[0]) && essentialThreads(v) >= threadCap()))) {
          threadsTaken |= !processorBound;
          continue;
        }
        int[] next = raised(v, move);
        if (next == null) {
          continue;
        }
        if (bytes(next) > budget) {
          overBudget = true;
        } else {
          double gain = wait - predict(next, jitter);
          if (gain > bestGain) {
            best = next;
            bestGain = gain;
          }
        }
      }
      if (best == null) {
        return new Plan(v, limit(v, processorBound, threadsTaken, overBudget));
      }
      v = best;
    }
  }

  /**
   * Whether knob {@code k} is the threads knob of a stage that does an essential share of the work:
   * more than 30% of the stages' mean, as tf.data counts its CPU budget. A stage doing little (the
   * gather of small rows) mostly sleeps; its threads take no processor from the others.
   */
  private boolean essential(int k) {
    double mean = Arrays.stream(work).average().orElse(0);
    for (int i = 0; i < producers.size(); i++) {
      if (producers.get(i).threads() == knobs.get(k)) {
        return work[i] > 0.3 * mean;
      }
    }
    return false;
  }

  /**
   * The threads the essential stages may have: the processors given, and the step's own too when it
   * waited a tenth of its time or more for data, since it then leaves its processor idle.
   */
  private int threadCap() {
    return observedWait >= IDLE_STEP * step ? cpus + 1 : cpus;
  }

  /** Threads of the essential stages at {@code values}: what the processors given must run. */
  private int essentialThreads(int[] values) {
    int sum = 0;
    for (int k = 0; k < values.length; k++) {
      if (knobs.get(k).kind() == Knob.Kind.THREADS && essential(k)) {
        sum += values[k];
      }
    }
    return sum;
  }

  /**
   * {@code values} with the first knob of {@code move} one higher and the others (the knobs that
   * cap it) raised to match it; null when the first one's rise would not count: a cap is already at
   * its maximum below it.
   */
  private int @Nullable [] raised(int[] values, int[] move) {
    int[] next = values.clone();
    int k = move[0];
    next[k]++;
    for (int i = 1; i < move.length; i++) {
      int cap = move[i];
      if (next[cap] < next[k]) {
        if (next[k] > knobs.get(cap).max()) {
          return null;
        }
        next[cap] = next[k];
      }
    }
    return next;
  }

  /** What stopped the climb short of the target. */
  private String limit(int[] v, boolean processorBound, boolean threadsTaken, boolean overBudget) {
    if (overBudget) {
      return "the memory budget allows no more";
    }
    if (processorBound) {
      return String.format(
          Locale.ROOT,
          "processor-bound: the stages and the step need %.2f ms of processor time a batch on %d"
              + " processor(s)",
          processorBound() * (cpus + 1) / 1e6,
          cpus + 1);
    }
    if (threadsTaken) {
      return String.format(
          Locale.ROOT,
          "the busy stages' threads already take the %d processor(s) there are for them",
          threadCap());
    }
    return "no knob shortens it further";
  }

  /**
   * Moves the knobs to {@code planned}: up at once, down only while the consumer waits less than
   * the target.
   */
  private boolean apply(int[] planned) {
    boolean healthy = observedWait <= TARGET * step;
    boolean changed = false;
    for (int k = 0; k < planned.length; k++) {
      Knob knob = knobs.get(k);
      int now = knob.value();
      if (knob.isFixed() || planned[k] == now || (planned[k] < now && !healthy)) {
        continue;
      }
      int[] next = current();
      next[k] = planned[k];
      if (planned[k] > now && bytes(next) > budget) {
        continue;
      }
      knob.set(planned[k]);
      changed = true;
    }
    return changed;
  }

  /** Memory the knobs hold at {@code values}. */
  private long bytes(int[] values) {
    long sum = 0;
    for (int k = 0; k < values.length; k++) {
      sum += knobs.get(k).bytesPerUnit() * values[k];
    }
    return sum;
  }

  /** Brings the knobs within the budget, the largest units first, buffers before threads. */
  private synchronized void fitBudget() {
    while (bytes(current()) > budget) {
      Knob biggest = null;
      for (Knob k : knobs) {
        if (!k.isFixed() && k.value() > k.min() && k.bytesPerUnit() > 0) {
          if (biggest == null
              || (k.kind() == Knob.Kind.BUFFER && biggest.kind() != Knob.Kind.BUFFER)
              || (k.kind() == biggest.kind() && k.bytesPerUnit() > biggest.bytesPerUnit())) {
            biggest = k;
          }
        }
      }
      if (biggest == null) {
        budgetNote =
            String.format(
                Locale.ROOT,
                "; the smallest setting holds %.1f MiB, above the %.1f MiB budget",
                bytes(current()) / 1048576.0,
                budget / 1048576.0);
        return;
      }
      biggest.set(biggest.value() - 1);
    }
  }

  /** Memory the knobs hold now. */
  public synchronized long memoryBytes() {
    return bytes(current());
  }

  /** The knobs' values now, what decided them, and the last verdict. */
  public synchronized TuningReport report() {
    List<TuningReport.Setting> settings = new ArrayList<>();
    int[] now = current();
    for (int i = 0; i <= producers.size(); i++) {
      Stage s = i < producers.size() ? producers.get(i) : consumer;
      for (Knob k : s.knobs()) {
        settings.add(
            new TuningReport.Setting(
                s.meter().name(), k.name(), k.value(), !k.isFixed(), why(i, s, k, now)));
      }
    }
    String verdict;
    if (plan == null) {
      verdict =
          "no decision yet: it takes "
              + MIN_BATCHES
              + " steps and "
              + FIRST_PERIOD_MILLIS
              + " ms of measurement";
    } else {
      double wait = predict(now, jitter);
      verdict =
          String.format(
              Locale.ROOT,
              "predicted data wait %.2f%% (measured %.2f%% since the decision before), %s",
              100 * wait / step,
              100 * observedWait / step,
              wait <= TARGET * step || plan.limit() == null
                  ? String.format(Locale.ROOT, "aimed below %.1f%%", TARGET_PERCENT)
                  : plan.limit());
    }
    return new TuningReport(settings, budget, bytes(now), verdict + budgetNote);
  }

  /** What decided knob {@code k} of stage number {@code i}. */
  private String why(int i, Stage s, Knob k, int[] values) {
    if (k.isFixed()) {
      return "set by you";
    }
    String range = "in " + k.min() + ".." + k.max();
    if (plan == null || Double.isNaN(step)) {
      return range + ", not measured yet";
    }
    if (k.kind() != Knob.Kind.BUFFER) {
      return String.format(
          Locale.ROOT,
          "%s: %s does %.2f ms of work a batch on %d %s, the step takes %.2f ms",
          range,
          s.meter().name(),
          work[i] / 1e6,
          k.value(),
          k.kind() == Knob.Kind.THREADS ? "thread(s)" : "read(s) in flight",
          step / 1e6);
    }
    boolean last = i >= producers.size();
    double producer = last ? interval(values) : work[i] / s.threadCount(values, knobs);
    double taker = last || i + 1 >= producers.size() ? step : work[i + 1];
    return String.format(
        Locale.ROOT,
        "%s: batches come every %.2f ms and go every %.2f ms%s",
        range,
        producer / 1e6,
        taker / 1e6,
        jitter > 1.05
            ? String.format(Locale.ROOT, ", with %.1fx the measured times' spread", jitter)
            : "");
  }
}
