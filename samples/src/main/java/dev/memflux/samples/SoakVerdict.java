package dev.memflux.samples;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The soak's judgement: whether a figure grows with the work done, as a leak does, rather than
 * settling after a warm-up or moving within its noise.
 *
 * <p>Each figure is judged on the samples taken after its own warm-up, the time it takes to settle
 * in a healthy process: its growth is the median of the last third of those samples minus the
 * median of the first third (medians, so that one sample taken while the allocator or the collector
 * was between two states is no trend), and it fails when that growth exceeds the figure's noise
 * floor, the most a healthy run moved (see {@link Figure}). The growth per thousand batches says
 * how fast a leak would grow in a longer run. Buffers that a round left unclosed are counted
 * exactly and fail the soak at the first one, warm-up or not.
 */
final class SoakVerdict {

  /** Samples in each third of the judged part: fewer, and one odd sample would be a trend. */
  static final int MIN_PER_THIRD = 3;

  private static final double MIB = 1 << 20;

  /**
   * A figure the soak watches, how long it takes to settle and the most it moves when nothing
   * leaks. Measured with {@code memflux soak} on this project's 2-core machine while other builds
   * loaded it (load average 2 to 13): 40 runs of 6 s, 11 of 90 s, one of 10 minutes (README, "The
   * command line"). Each floor is well above the largest healthy growth seen.
   */
  enum Figure {
    /** Heap in use after a full collection: flat from the first round on (0.0 MiB in every run). */
    HEAP("heap", true, 2, 2 * MIB, SoakSample::heapBytes),
    /** Direct buffers alive once collected ones are freed: within 0.5 MiB of nothing. */
    DIRECT("direct", true, 2, 2 * MIB, SoakSample::directBytes),
    /**
     * Anonymous resident memory after malloc_trim: it climbs while the JIT compiles and G1 sizes
     * the heap, in steps of 16 to 25 MiB as late as 50 s into a loaded run (a run judged from 30 s
     * grew 33 MiB), and within 6 MiB of flat after 60 s.
     */
    RSS("rss", true, 60, 32 * MIB, SoakSample::rssBytes),
    /** Live threads once the round's {@code memflux-*} threads have ended: within one. */
    THREADS("threads", false, 2, 1, SoakSample::threads),
    /**
     * NDArrays under the trainer's manager, the DJL batches not yet closed: none between rounds.
     */
    NDARRAYS("ndarrays", false, 2, 0, SoakSample::ndarrays);

    final String label;
    final boolean bytes;
    final double warmUpSeconds;
    final double noiseFloor;

    @SuppressWarnings("ImmutableEnumChecker") // a method reference: stateless
    final ToDoubleFunction<SoakSample> value;

    Figure(
        String label,
        boolean bytes,
        double warmUpSeconds,
        double noiseFloor,
        ToDoubleFunction<SoakSample> value) {
      this.label = label;
      this.bytes = bytes;
      this.warmUpSeconds = warmUpSeconds;
      this.noiseFloor = noiseFloor;
      this.value = value;
    }

    String format(double v, boolean signed) {
      String sign = signed ? "+" : "";
      return bytes
          ? String.format("%" + sign + ".1f MiB", v / MIB)
          : String.format("%" + sign + ".0f", v);
    }
  }

  /**
   * One figure's judgement.
   *
   * @param figure what was judged
   * @param samples samples after the figure's warm-up; too few and it is not judged
   * @param first median of the first third of those samples
   * @param last median of the last third
   * @param batches batches trained between the two thirds' medians
   */
  record Judgement(Figure figure, int samples, double first, double last, double batches) {

    boolean judged() {
      return samples >= 3 * MIN_PER_THIRD;
    }

    double growth() {
      return last - first;
    }

    boolean leaks() {
      return judged() && growth() > figure.noiseFloor;
    }

    String line() {
      if (!judged()) {
        return String.format(
            "%-9s not judged: %d samples after its %.0f s warm-up, %d needed; run longer",
            figure.label, samples, figure.warmUpSeconds, 3 * MIN_PER_THIRD);
      }
      double perThousand = batches > 0 ? growth() / batches * 1000 : 0;
      return String.format(
          "%-9s %6.0f s %12s %12s %12s %12s %12s  %s",
          figure.label,
          figure.warmUpSeconds,
          figure.format(first, false),
          figure.format(last, false),
          figure.format(growth(), true),
          figure.format(perThousand, true),
          figure.format(figure.noiseFloor, false),
          leaks() ? "LEAK" : "ok");
    }
  }

  private final List<Judgement> judgements;
  private final long unclosed;
  private final int samples;

  private SoakVerdict(List<Judgement> judgements, long unclosed, int samples) {
    this.judgements = judgements;
    this.unclosed = unclosed;
    this.samples = samples;
  }

  /** Judges every figure of {@code samples}, taken in time order. */
  static SoakVerdict judge(List<SoakSample> samples) {
    List<Judgement> judgements = new ArrayList<>();
    for (Figure f : Figure.values()) {
      List<SoakSample> settled =
          samples.stream().filter(s -> s.seconds() >= f.warmUpSeconds).toList();
      int third = settled.size() / 3;
      if (third < MIN_PER_THIRD) {
        judgements.add(new Judgement(f, settled.size(), 0, 0, 0));
        continue;
      }
      List<SoakSample> first = settled.subList(0, third);
      List<SoakSample> last = settled.subList(settled.size() - third, settled.size());
      judgements.add(
          new Judgement(
              f,
              settled.size(),
              median(first, f.value),
              median(last, f.value),
              median(last, SoakSample::batches) - median(first, SoakSample::batches)));
    }
    long unclosed = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).unclosed();
    return new SoakVerdict(judgements, unclosed, samples.size());
  }

  /** Whether the fastest-settling figure has enough samples to be judged. */
  static boolean enough(List<SoakSample> samples) {
    double warmUp =
        Arrays.stream(Figure.values()).mapToDouble(f -> f.warmUpSeconds).min().orElse(0);
    return samples.stream().filter(s -> s.seconds() >= warmUp).count() >= 3L * MIN_PER_THIRD;
  }

  List<Judgement> judgements() {
    return judgements;
  }

  /** Whether no figure leaks, no buffer was left unclosed and at least one figure was judged. */
  boolean passed() {
    return unclosed == 0
        && judgements.stream().anyMatch(Judgement::judged)
        && judgements.stream().noneMatch(Judgement::leaks);
  }

  /** Prints one line per figure and the verdict; returns the exit status, 0 for PASS. */
  int print(PrintWriter out) {
    out.printf(
        "%-9s %8s %12s %12s %12s %12s %12s  %s%n",
        "figure",
        "warm-up",
        "first third",
        "last third",
        "growth",
        "per 1k batch",
        "noise floor",
        "");
    judgements.forEach(j -> out.println(j.line()));
    out.printf(
        "%-9s %d pooled buffers left unclosed by the rounds%s%n",
        "unclosed", unclosed, unclosed == 0 ? "" : "  LEAK");
    out.println("verdict: " + (passed() ? "PASS" : "FAIL") + " (" + reason() + ")");
    out.flush();
    return passed() ? 0 : 1;
  }

  private String reason() {
    List<String> leaks = new ArrayList<>();
    for (Judgement j : judgements) {
      if (j.leaks()) {
        leaks.add(
            j.figure().label
                + " grew "
                + j.figure().format(j.growth(), false)
                + " over "
                + Math.round(j.batches())
                + " batches, above its noise floor of "
                + j.figure().format(j.figure().noiseFloor, false));
      }
    }
    if (unclosed > 0) {
      leaks.add(
          unclosed + " pooled buffers left unclosed: a stage drops batches without closing them");
    }
    if (!leaks.isEmpty()) {
      return String.join("; ", leaks);
    }
    List<String> notJudged =
        judgements.stream().filter(j -> !j.judged()).map(j -> j.figure().label).toList();
    if (notJudged.size() == judgements.size()) {
      return "too few samples after warm-up: " + samples + "; run longer or sample more often";
    }
    return "no figure grew beyond its noise floor"
        + (notJudged.isEmpty()
            ? ""
            : "; not judged, the run being shorter than their warm-up: "
                + String.join(", ", notJudged));
  }

  private static double median(List<SoakSample> samples, ToDoubleFunction<SoakSample> value) {
    double[] v = samples.stream().mapToDouble(value).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
