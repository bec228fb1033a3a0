package dev.memflux.samples.bench;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One {@code memflux bench} run: prepares the files, measures each section in turn (limits, loader,
 * layouts, augmentation, training; each warms its files first), runs the peer right after when
 * asked, then prints the table and writes the JSON.
 *
 * <pre>{@code
 * BenchSettings settings = new BenchSettings(true, 1.0);
 * new BenchRun(settings, new BenchFiles(dir, settings), BenchRun.Section.defaults(),
 *         Optional.empty(), System.out, System.err)
 *     .run(Path.of("bench.json"));
 * }</pre>
 */
final class BenchRun {

  /** The sections of measurements, in the order they run. */
  enum Section {
    /** Memory copy and sequential read. */
    limits,
    /** Loader only. */
    loader,
    /** Shards and windows against one plain file of the same bytes. */
    layouts,
    /** Loader plus augmentation. */
    augment,
    /** Training four ways. */
    train,
    /** The README's quickstart against {@code memflux train}, in JVMs of their own. */
    quickstart;

    /** What runs without {@code --only}: all but the quickstart, which takes minutes. */
    static Set<Section> defaults() {
      return EnumSet.complementOf(EnumSet.of(quickstart));
    }
  }

  /** The work of one section. */
  @FunctionalInterface
  private interface Measurements {
    List<Result> run() throws Exception;
  }

  private final BenchSettings settings;
  private final BenchFiles files;
  private final Set<Section> sections;
  private final Optional<PeerRunner> peer;
  private final PrintStream out;
  private final PrintStream log;

  /**
   * A run over {@code files}.
   *
   * @param sections the sections to run
   * @param peer the peer to run after memflux, if any
   * @param out where the table goes
   * @param log where progress goes
   */
  BenchRun(
      BenchSettings settings,
      BenchFiles files,
      Set<Section> sections,
      Optional<PeerRunner> peer,
      PrintStream out,
      PrintStream log) {
    this.settings = settings;
    this.files = files;
    this.sections = Set.copyOf(sections);
    this.peer = peer;
    this.out = out;
    this.log = log;
  }

  /**
   * Runs everything; writes the JSON to {@code json} unless it is null.
   *
   * @return every result, memflux's first
   */
  @CanIgnoreReturnValue // also written to json and printed
  List<Result> run(Path json) throws Exception {
    long start = System.nanoTime();
    files.prepare(log);
    List<Result> results = new ArrayList<>();
    Scheduler copyThreads = Schedulers.newParallel("memflux-bench-copy", 2);
    try {
      section(Section.limits, results, new LimitBench(settings, files, copyThreads)::run);
    } finally {
      copyThreads.dispose();
    }
    section(Section.loader, results, new LoaderBench(settings, files)::run);
    section(Section.layouts, results, new LayoutBench(settings, files, log)::run);
    section(Section.augment, results, new AugmentationBench(settings, files)::run);
    section(Section.train, results, new TrainingBench(settings, files, log)::run);
    section(Section.quickstart, results, new QuickstartBench(settings, log)::run);
    double memfluxSeconds = Timing.since(start);
    if (peer.isPresent()) {
      measure("peer", results, () -> peer.get().run(files.dir(), log));
    }
    out.printf(
        Locale.ROOT,
        "memflux bench%s: %s; %d cpus, Java %s; data in %s%n",
        settings.quick() ? " --quick" : "",
        files.fashionMnistSource(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        files.dir());
    out.print(new ResultTable(results).render());
    out.printf(
        Locale.ROOT,
        "memflux sections %.0f s, total %.0f s; each row is the median of its reps (loader,"
            + " augment: epochs of one long-lived pipeline; train: rounds) after %d warm-up"
            + " (train: %d)%n",
        memfluxSeconds,
        Timing.since(start),
        settings.warmups(),
        settings.trainWarmups());
    if (json != null) {
      ResultsJson.write(json, results);
      out.println("json: " + json.toAbsolutePath());
    }
    return results;
  }

  private void section(Section section, List<Result> results, Measurements measurements)
      throws Exception {
    if (sections.contains(section)) {
      measure(section.name(), results, measurements);
    }
  }

  private void measure(String name, List<Result> results, Measurements section) throws Exception {
    long start = System.nanoTime();
    log.printf("bench: %s...%n", name);
    results.addAll(section.run());
    log.printf(Locale.ROOT, "bench: %s done in %.1f s%n", name, Timing.since(start));
  }
}
